package liveness

import (
	"context"
	"math"
	"math/bits"
	"sort"
	"sync"

	"github.com/kakunin-dev/kakunin/internal/face"
)

// Hash is a 64-bit perceptual hash (DCT hash of the 32×32 luma thumbnail:
// the signs of the 8×8 lowest frequencies against their median). Re-encoding
// or mild rescaling changes few bits; different captures differ in many.
type Hash uint64

// Distance is the number of differing bits.
func (h Hash) Distance(o Hash) int { return bits.OnesCount64(uint64(h ^ o)) }

// Bands splits the hash into four 16-bit bands. Two hashes within
// ReplayDistance (3) bits share at least one band exactly (pigeonhole), so a
// SQL store can index the bands and compare candidates in Go.
func (h Hash) Bands() [4]uint16 {
	return [4]uint16{uint16(h), uint16(h >> 16), uint16(h >> 32), uint16(h >> 48)}
}

// ReplayDistance is the largest Hamming distance treated as the same media.
const ReplayDistance = 3

// PerceptualHash hashes an image.
func PerceptualHash(img *face.Image) Hash {
	const n = 32
	pix, w, h := img.RGB(), img.Width(), img.Height()
	var lum [n][n]float64
	// Box-average each of the n×n cells.
	for cy := 0; cy < n; cy++ {
		y0, y1 := cy*h/n, max((cy+1)*h/n, cy*h/n+1)
		for cx := 0; cx < n; cx++ {
			x0, x1 := cx*w/n, max((cx+1)*w/n, cx*w/n+1)
			var s float64
			var c int
			for y := y0; y < y1 && y < h; y++ {
				for x := x0; x < x1 && x < w; x++ {
					i := (y*w + x) * 3
					s += 0.299*float64(pix[i]) + 0.587*float64(pix[i+1]) + 0.114*float64(pix[i+2])
					c++
				}
			}
			if c > 0 {
				lum[cy][cx] = s / float64(c)
			}
		}
	}
	var coef [64]float64
	for v := 0; v < 8; v++ {
		for u := 0; u < 8; u++ {
			var s float64
			for y := 0; y < n; y++ {
				cyv := math.Cos(float64(2*y+1) * float64(v) * math.Pi / (2 * n))
				for x := 0; x < n; x++ {
					s += lum[y][x] * cyv * math.Cos(float64(2*x+1)*float64(u)*math.Pi/(2*n))
				}
			}
			coef[v*8+u] = s
		}
	}
	// Median of the 63 AC terms (the DC term only says how bright).
	ac := append([]float64(nil), coef[1:]...)
	sort.Float64s(ac)
	med := ac[len(ac)/2]
	var hsh Hash
	for i, c := range coef {
		if c > med {
			hsh |= 1 << uint(i)
		}
	}
	return hsh
}

// SeenStore remembers media hashes across verifications. The service
// implements it in SQL; MemorySeenStore is the in-process one.
type SeenStore interface {
	// SeenElsewhere reports whether a hash within ReplayDistance of h was
	// recorded for a verification other than verificationID.
	SeenElsewhere(ctx context.Context, verificationID string, h Hash) (bool, error)
	// Record remembers h as seen in verificationID.
	Record(ctx context.Context, verificationID string, h Hash) error
}

// MemorySeenStore is a SeenStore in memory, safe for concurrent use.
type MemorySeenStore struct {
	mu   sync.Mutex
	seen map[Hash]map[string]bool
}

var _ SeenStore = (*MemorySeenStore)(nil)

// NewMemorySeenStore returns an empty store.
func NewMemorySeenStore() *MemorySeenStore { return &MemorySeenStore{seen: map[Hash]map[string]bool{}} }

// SeenElsewhere implements SeenStore by a linear scan.
func (s *MemorySeenStore) SeenElsewhere(ctx context.Context, verificationID string, h Hash) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, ids := range s.seen {
		if k.Distance(h) > ReplayDistance {
			continue
		}
		for id := range ids {
			if id != verificationID {
				return true, nil
			}
		}
	}
	return false, nil
}

// Record implements SeenStore.
func (s *MemorySeenStore) Record(ctx context.Context, verificationID string, h Hash) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[h] == nil {
		s.seen[h] = map[string]bool{}
	}
	s.seen[h][verificationID] = true
	return nil
}
