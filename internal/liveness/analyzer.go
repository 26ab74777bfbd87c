package liveness

import (
	"context"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/face"
)

// Analyzer runs the liveness checks on an open face engine. New has no side
// effects; Open loads the passive-PAD networks; Close drops them.
type Analyzer struct {
	engine    *face.Engine
	modelsDir string
	nets      *graphNets
	// Cache, if set, keeps frame observations made by Prepare for Check.
	Cache *ObservationCache
}

// NewAnalyzer returns an analyzer using engine (opened by the caller) and
// the models directory `make models` fills.
func NewAnalyzer(engine *face.Engine, modelsDir string) *Analyzer {
	return &Analyzer{engine: engine, modelsDir: modelsDir}
}

// Open verifies and loads the antispoof and liveness networks.
func (a *Analyzer) Open(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n, err := loadGraphNets(a.modelsDir)
	if err != nil {
		return err
	}
	a.nets = n
	return nil
}

// Close releases the networks.
func (a *Analyzer) Close() error {
	a.nets = nil
	return nil
}

func (a *Analyzer) ready() error {
	if a.nets == nil {
		return errkind.New(errkind.ErrUnavailable, "engine_not_open", "the liveness analyzer is not open")
	}
	return nil
}

// PassiveModelScores runs the antispoof and liveness networks on a face
// found by the engine. Both are "real" probabilities in [0,1]. They are raw
// sub-scores: not fused, no threshold (on this project's data they do not
// separate the two real spoofs from live photos; see docs/liveness.md).
func (a *Analyzer) PassiveModelScores(ctx context.Context, img *face.Image, f *face.Face) (antispoof, live float64, err error) {
	if err := a.ready(); err != nil {
		return 0, 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	return a.nets.modelScores(img, &f.Landmarks)
}
