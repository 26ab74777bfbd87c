package engine

import (
	"math"
	"math/bits"
)

// Synthetic generates stand-in face embeddings for tests and benchmarks: a
// hard, structure-free model of a 1:N gallery (docs/engine.md). Identity
// centres are anisotropic Gaussian directions (variance 1/(1 + i·40/dim) on
// the i-th axis of a fixed random basis); a gallery template is its centre
// plus isotropic noise of variance GalleryNoise (relative to the centre's
// unit length); a probe adds noise drawn uniformly from
// [ProbeNoiseMin, ProbeNoiseMax] (default 0.3 to 2). Every vector is then scaled to Scale and
// shifted by a fixed offset of length Offset, as real descriptors share a
// common component. Everything is a pure function of Seed and the identity
// number, so galleries of any size can be generated in parallel.
//
// Absolute error rates on this data say nothing about a real face model;
// it is made for measuring what the index loses against exhaustive search.
type Synthetic struct {
	Dim                          int
	Seed                         uint64
	GalleryNoise                 float64 // default 0.3
	ProbeNoiseMin, ProbeNoiseMax float64 // default 0.3 and 2
	Scale, Offset                float64 // default 0.5 and 0.5

	ready  bool
	sd     []float64 // per-axis standard deviation of the centres
	signs  [2][]float64
	dense  []float32 // dim × dim basis when dim is not a power of two
	offset []float32
}

func (s *Synthetic) init() {
	if s.ready {
		return
	}
	if s.GalleryNoise == 0 {
		s.GalleryNoise = 0.3
	}
	if s.ProbeNoiseMax == 0 {
		s.ProbeNoiseMin, s.ProbeNoiseMax = 0.3, 2
	}
	if s.Scale == 0 {
		s.Scale = 0.5
	}
	if s.Offset == 0 {
		s.Offset = 0.5
	}
	d := s.Dim
	s.sd = make([]float64, d)
	for i := range s.sd {
		s.sd[i] = math.Sqrt(1 / (1 + float64(i)*40/float64(d)))
	}
	g := gaussian{state: s.Seed ^ 0x5eed0ba515}
	if d&(d-1) == 0 {
		// A randomised Hadamard basis (sign flips, transform, twice): mixes
		// the axes in d·log d steps, so a million templates are quick.
		for r := range s.signs {
			s.signs[r] = make([]float64, d)
			for i := range s.signs[r] {
				s.signs[r][i] = 1
				if g.uint64()&1 == 1 {
					s.signs[r][i] = -1
				}
			}
		}
	} else {
		s.dense = rotations(g.uint64(), d, d)
	}
	off := make([]float64, d)
	for i := range off {
		off[i] = g.next()
	}
	normalise(off)
	s.offset = make([]float32, d)
	for i := range off {
		s.offset[i] = float32(off[i] * s.Offset)
	}
	s.ready = true
}

// Template returns the gallery template of identity id.
func (s *Synthetic) Template(id uint64) []float32 {
	s.init()
	return s.sample(id, 0, s.GalleryNoise)
}

// Probe returns probe number j (from 1) of identity id: of an enrolled
// identity it is a mated probe; of an identity outside the gallery a
// non-mated one.
func (s *Synthetic) Probe(id, j uint64) []float32 {
	s.init()
	g := gaussian{state: mix(s.Seed, id, j+1<<32)}
	u := float64(g.uint64()>>11) / (1 << 53)
	return s.sample(id, j, s.ProbeNoiseMin+u*(s.ProbeNoiseMax-s.ProbeNoiseMin))
}

func (s *Synthetic) sample(id, j uint64, noise float64) []float32 {
	d := s.Dim
	c := make([]float64, d)
	g := gaussian{state: mix(s.Seed, id, 0)}
	for i := range c {
		c[i] = g.next() * s.sd[i]
	}
	s.basis(c)
	normalise(c)
	g = gaussian{state: mix(s.Seed, id, j+1)}
	k := math.Sqrt(noise / float64(d))
	for i := range c {
		c[i] += k * g.next()
	}
	normalise(c)
	out := make([]float32, d)
	for i := range c {
		out[i] = float32(c[i]*s.Scale) + s.offset[i]
	}
	return out
}

// basis maps axis coordinates to the fixed random basis, in place.
func (s *Synthetic) basis(v []float64) {
	if s.dense != nil {
		w := make([]float64, len(v))
		for r := range w {
			row := s.dense[r*len(v) : (r+1)*len(v)]
			for i, x := range v {
				w[r] += float64(row[i]) * x
			}
		}
		copy(v, w)
		return
	}
	for _, sg := range s.signs {
		for i := range v {
			v[i] *= sg[i]
		}
		hadamard(v)
	}
}

// hadamard is the orthonormal fast Walsh–Hadamard transform (len a power of 2).
func hadamard(v []float64) {
	for h := 1; h < len(v); h *= 2 {
		for i := 0; i < len(v); i += 2 * h {
			for j := i; j < i+h; j++ {
				a, b := v[j], v[j+h]
				v[j], v[j+h] = a+b, a-b
			}
		}
	}
	k := 1 / math.Sqrt(float64(len(v)))
	for i := range v {
		v[i] *= k
	}
}

func normalise(v []float64) {
	var n float64
	for _, x := range v {
		n += x * x
	}
	if n == 0 {
		return
	}
	n = 1 / math.Sqrt(n)
	for i := range v {
		v[i] *= n
	}
}

// mix derives a generator state from a seed and two numbers.
func mix(seed, a, b uint64) uint64 {
	h := seed ^ 0x243f6a8885a308d3
	for _, x := range []uint64{a, b} {
		h ^= x
		h *= 0x9e3779b97f4a7c15
		h = bits.RotateLeft64(h, 29)
	}
	return h
}

// NormalStream returns a reproducible stream of standard normal values for
// (seed, i).
func NormalStream(seed, i uint64) func() float64 {
	g := gaussian{state: mix(seed, i, 1<<40)}
	return g.next
}
