package document

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // the specimens are JPEG
	_ "image/png"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// EvalFields are the fields Evaluate scores: the acceptance criterion's
// three key fields and what else the pipeline reads.
var EvalFields = []Field{FieldName, FieldBirthDate, FieldDocumentNumber, FieldMyNumber, FieldInsuredSymbol, FieldExpiryDate}

// Accuracy is an exact-match rate.
type Accuracy struct {
	Correct int     `json:"correct"`
	Total   int     `json:"total"`
	Rate    float64 `json:"rate"`
}

func (a *Accuracy) add(ok bool) {
	a.Total++
	if ok {
		a.Correct++
	}
	a.Rate = float64(a.Correct) / float64(a.Total)
}

// EvalReport is the result of Evaluate. The maps are keyed by field; the
// nested ones by type (with side where a type has two) or level first.
type EvalReport struct {
	Dir            string                                    `json:"dir"`
	Images         int                                       `json:"images"`
	Failed         int                                       `json:"failed"` // no result at all (no outline, no class)
	Classification Accuracy                                  `json:"classification"`
	Accuracy       map[Field]*Accuracy                       `json:"accuracy"`
	ByType         map[string]map[Field]*Accuracy            `json:"by_type"`
	ByLevel        map[string]map[Field]*Accuracy            `json:"by_level"`
	ByTypeLevel    map[string]map[string]map[Field]*Accuracy `json:"by_type_level"`
	MsPerDocument  float64                                   `json:"ms_per_document"`
	// PAD holds the presentation-attack checks' error rates by check
	// ("recapture", "thickness", "tampering"), when the directory holds
	// attack samples (`kakunin synth documents --attacks`).
	PAD    map[string]*PADCheck `json:"pad,omitempty"`
	Errors []string             `json:"errors,omitempty"` // file: reason, for the first few failures
}

type truthFile struct {
	File  string `json:"file"`
	Type  Type   `json:"type"`
	Side  Side   `json:"side"`
	View  string `json:"view"`
	Index int    `json:"index"`
	// Attack samples say what they are, which check should catch them
	// and, for thickness attacks, the genuine front they go with.
	Attack string `json:"attack"`
	Check  string `json:"check"`
	Front  string `json:"front"`
	Fields map[Field]struct {
		Value string `json:"value"`
	} `json:"fields"`
	Augmentation struct {
		Level string `json:"level"`
	} `json:"augmentation"`
}

// EvalOptions tune Evaluate.
type EvalOptions struct {
	Options
	// Limit stops after this many images (0: all); for the attack
	// checks, after this many samples of each check.
	Limit int
	// Progress, when set, is called after each image.
	Progress func(done, total int)
	// Checks, when not empty, names what runs: EvalCheckOCR (reading
	// the fields of the flat photos) and any of PADChecks. Empty runs all.
	Checks []string
}

// EvalCheckOCR names the field reading in EvalOptions.Checks.
const EvalCheckOCR = "ocr"

// EvalChecks are the names EvalOptions.Checks accepts.
var EvalChecks = append([]string{EvalCheckOCR}, PADChecks...)

// runs says whether the options select check c.
func (o EvalOptions) runs(c string) bool { return len(o.Checks) == 0 || slices.Contains(o.Checks, c) }

// Evaluate runs the extractor over a `kakunin synth documents` directory
// (flat views of the types with a template) and compares what it reads
// with the ground truth, field by field, exactly.
func Evaluate(ctx context.Context, e *Extractor, dir string, o EvalOptions) (EvalReport, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return EvalReport{}, err
	}
	sort.Strings(files)
	var truths, all []truthFile
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return EvalReport{}, err
		}
		var t truthFile
		if err := json.Unmarshal(b, &t); err != nil || t.File == "" {
			continue // not a ground-truth file
		}
		all = append(all, t)
		if _, ok := lookupTemplate(t.Type, t.Side); !ok || t.View != "flat" || t.Attack != "" {
			continue
		}
		truths = append(truths, t)
	}
	if o.Limit > 0 && len(truths) > o.Limit {
		truths = truths[:o.Limit]
	}
	pad := padSamples(all, o.Limit)
	for c := range pad {
		if !o.runs(c) {
			delete(pad, c)
		}
	}
	switch {
	case !o.runs(EvalCheckOCR):
		truths = nil
		if pad.count() == 0 {
			return EvalReport{}, fmt.Errorf("document: no attack samples for checks %v in %s", o.Checks, dir)
		}
	case len(truths) == 0:
		return EvalReport{}, fmt.Errorf("document: no flat specimens with ground truth in %s", dir)
	}
	total := len(truths) + pad.count()
	rep := EvalReport{Dir: dir, Accuracy: map[Field]*Accuracy{}, ByType: map[string]map[Field]*Accuracy{},
		ByLevel: map[string]map[Field]*Accuracy{}, ByTypeLevel: map[string]map[string]map[Field]*Accuracy{}}
	get := func(m map[string]map[Field]*Accuracy, k string, f Field) *Accuracy {
		if m[k] == nil {
			m[k] = map[Field]*Accuracy{}
		}
		if m[k][f] == nil {
			m[k][f] = &Accuracy{}
		}
		return m[k][f]
	}
	var elapsed time.Duration
	for i, t := range truths {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		img, err := DecodeFile(filepath.Join(dir, t.File))
		if err != nil {
			return rep, err
		}
		start := time.Now()
		res, err := e.Extract(ctx, img, o.Options)
		elapsed += time.Since(start)
		rep.Images++
		key := string(t.Type)
		if t.Type == MyNumberCard {
			key += "_" + string(t.Side)
		}
		level := t.Augmentation.Level
		if err != nil {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			rep.Failed++
			if len(rep.Errors) < 20 {
				rep.Errors = append(rep.Errors, t.File+": "+err.Error())
			}
		}
		rep.Classification.add(res != nil && res.Type == t.Type && res.Side == t.Side)
		for _, f := range EvalFields {
			want, ok := t.Fields[f]
			if !ok {
				continue
			}
			if o.KeyFieldsOnly && f == FieldExpiryDate {
				continue
			}
			got := ""
			if res != nil && res.Type == t.Type && res.Side == t.Side {
				got = res.Fields[f].Value
			}
			match := got == want.Value
			if rep.Accuracy[f] == nil {
				rep.Accuracy[f] = &Accuracy{}
			}
			rep.Accuracy[f].add(match)
			get(rep.ByType, key, f).add(match)
			get(rep.ByLevel, level, f).add(match)
			if rep.ByTypeLevel[key] == nil {
				rep.ByTypeLevel[key] = map[string]map[Field]*Accuracy{}
			}
			get(rep.ByTypeLevel[key], level, f).add(match)
		}
		if o.Progress != nil {
			o.Progress(i+1, total)
		}
	}
	rep.MsPerDocument = float64(elapsed.Milliseconds()) / float64(max(rep.Images, 1))
	if pad.count() > 0 {
		var err error
		if rep.PAD, err = evaluatePAD(ctx, e, dir, pad, o, len(truths), total); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// DecodeFile reads an image file (JPEG or PNG); a file that is not one
// is an error naming it.
func DecodeFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("document: decode %s: %w", filepath.Base(path), err)
	}
	return img, nil
}

// sortedKeys returns the keys of m in order, for printing.
func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	slices.Sort(k)
	return k
}

// Summary prints the report as a plain table: rows type×level, columns fields.
func (r EvalReport) Summary() string {
	var b strings.Builder
	if r.Images > 0 {
		fmt.Fprintf(&b, "%d images, %d unreadable, classification %.1f%%, %.0f ms/document\n", r.Images, r.Failed, 100*r.Classification.Rate, r.MsPerDocument)
	}
	for _, typ := range sortedKeys(r.ByTypeLevel) {
		for _, lv := range []string{"clean", "medium", "hard"} {
			m := r.ByTypeLevel[typ][lv]
			if m == nil {
				continue
			}
			fmt.Fprintf(&b, "%-24s %-6s", typ, lv)
			for _, f := range EvalFields {
				if a := m[f]; a != nil {
					fmt.Fprintf(&b, "  %s %5.1f%% (%d/%d)", f, 100*a.Rate, a.Correct, a.Total)
				}
			}
			b.WriteString("\n")
		}
	}
	b.WriteString(padSummary(r.PAD))
	return b.String()
}
