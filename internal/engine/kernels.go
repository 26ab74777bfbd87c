package engine

import (
	"math"
	"math/bits"
)

// rotations returns codeBits rows of dim values: stacked random orthogonal
// matrices (the last one cut short), drawn from seed. Synthetic uses it for
// dimensions that are not a power of two.
func rotations(seed uint64, dim, codeBits int) []float32 {
	g := gaussian{state: seed}
	out := make([]float32, 0, codeBits*dim)
	for len(out) < codeBits*dim {
		rows := min(dim, codeBits-len(out)/dim)
		block := make([][]float64, 0, rows)
		for len(block) < rows {
			v := make([]float64, dim)
			for i := range v {
				v[i] = g.next()
			}
			// Gram–Schmidt against the rows already in the block, twice for
			// numerical safety; a (vanishingly unlikely) degenerate draw is
			// simply drawn again.
			for range 2 {
				for _, b := range block {
					var d float64
					for i := range v {
						d += v[i] * b[i]
					}
					for i := range v {
						v[i] -= d * b[i]
					}
				}
			}
			var n float64
			for _, x := range v {
				n += x * x
			}
			if n < 1e-9 {
				continue
			}
			n = 1 / math.Sqrt(n)
			for i := range v {
				v[i] *= n
			}
			block = append(block, v)
		}
		for _, b := range block {
			for _, x := range b {
				out = append(out, float32(x))
			}
		}
	}
	return out
}

// gaussian draws from a splitmix64 stream (uint64) and standard normal
// values from it with the Box–Muller transform (next): written out here so
// that what a stored seed generates does not depend on a library's choice
// of generator.
type gaussian struct {
	state uint64
	spare float64
	has   bool
}

func (g *gaussian) uint64() uint64 {
	g.state += 0x9e3779b97f4a7c15
	z := g.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (g *gaussian) next() float64 {
	if g.has {
		g.has = false
		return g.spare
	}
	u1 := (float64(g.uint64()>>11) + 0.5) / (1 << 53) // in (0, 1)
	u2 := float64(g.uint64()>>11) / (1 << 53)
	r := math.Sqrt(-2 * math.Log(u1))
	g.spare, g.has = r*math.Sin(2*math.Pi*u2), true
	return r * math.Cos(2*math.Pi*u2)
}

// hadamardRounds is how many (random signs, Walsh–Hadamard transform)
// rounds make one rotation block; three mix well enough that the codes
// match those of a dense random rotation (docs/engine.md).
const hadamardRounds = 3

// rotationSigns draws the ±1 factors of the rotation blocks from seed. A
// block rotates the centred embedding, zero-padded to pad = the next power
// of two ≥ dim, and yields pad code bits; codeBits/pad blocks (rounded up)
// make a code. Only signs and additions are involved, so a stored seed
// gives the same codes on every machine.
func rotationSigns(seed uint64, pad, codeBits int) [][]float32 {
	g := gaussian{state: seed}
	blocks := (codeBits + pad - 1) / pad
	out := make([][]float32, blocks)
	for b := range out {
		out[b] = make([]float32, hadamardRounds*pad)
		for i := range out[b] {
			out[b][i] = 1
			if g.uint64()&1 == 1 {
				out[b][i] = -1
			}
		}
	}
	return out
}

func nextPow2(n int) int {
	p := 1
	for p < n {
		p *= 2
	}
	return p
}

// fwht32 is the unnormalised fast Walsh–Hadamard transform, in place
// (len a power of two); the scale does not matter for signs.
func fwht32(v []float32) {
	n := len(v)
	// The first two levels as explicit radix-4 butterflies: sub-slices of
	// one or two elements would cost more than the arithmetic.
	if n >= 4 {
		for i := 0; i+4 <= n; i += 4 {
			x := v[i : i+4 : i+4]
			a, b, c, d := x[0]+x[1], x[0]-x[1], x[2]+x[3], x[2]-x[3]
			x[0], x[1], x[2], x[3] = a+c, b+d, a-c, b-d
		}
	} else if n == 2 {
		v[0], v[1] = v[0]+v[1], v[0]-v[1]
		return
	}
	for h := 4; h < n; h *= 2 {
		for i := 0; i < n; i += 2 * h {
			a, b := v[i:i+h], v[i+h:i+2*h]
			b = b[:len(a)]
			for j := range a {
				a[j], b[j] = a[j]+b[j], a[j]-b[j]
			}
		}
	}
}

// encode writes the sign code of a centred embedding into dst.
func (ix *Index) encode(dst []uint64, centred []float32) {
	clear(dst)
	if ix.signs == nil {
		for i, c := range centred {
			if c > 0 {
				dst[i/64] |= 1 << (i % 64)
			}
		}
		return
	}
	pad := len(ix.signs[0]) / hadamardRounds
	buf := make([]float32, pad)
	bit := 0
	for _, signs := range ix.signs {
		copy(buf, centred)
		clear(buf[len(centred):])
		for r := range hadamardRounds {
			sg := signs[r*pad : (r+1)*pad]
			sg = sg[:len(buf)]
			for i := range buf {
				buf[i] *= sg[i]
			}
			fwht32(buf)
		}
		// Sign bits without branches (the signs are random, so a branch
		// would mispredict half the time): bit set for x ≥ +0.
		for i := 0; i < len(buf) && bit < ix.opt.CodeBits; i += 64 {
			var word uint64
			chunk := buf[i:min(i+64, len(buf))]
			for j, x := range chunk {
				word |= uint64(^math.Float32bits(x)>>31&1) << j
			}
			dst[bit/64] |= word << (bit % 64)
			if bit%64 != 0 && len(chunk)+bit%64 > 64 {
				dst[bit/64+1] |= word >> (64 - bit%64)
			}
			bit += len(chunk)
		}
	}
	if r := ix.opt.CodeBits % 64; r != 0 {
		dst[len(dst)-1] &= 1<<r - 1 // bits past the code length stay zero
	}
}

// queryCode is encode for a probe.
func (ix *Index) queryCode(q []float32) (code []uint64, centred []float32) {
	centred = make([]float32, ix.dim)
	for i, x := range q {
		centred[i] = x - ix.mean[i]
	}
	code = make([]uint64, ix.words)
	ix.encode(code, centred)
	return code, centred
}

// deadDist marks a deleted row in the distance array; live distances are
// clamped below it so a histogram of 255 bins holds every live row.
const deadDist = 255

// scanCodes writes the Hamming distance between q and every code of rows
// [lo, hi) into dist[lo:hi] (deleted rows get deadDist) and counts the live
// distances into hist. Consecutive rows count into four sub-histograms, so
// that rows with equal distances do not wait on each other's increment.
func scanCodes(codes []uint64, words int, q []uint64, dead []bool, lo, hi int, dist []uint8, hist *[deadDist]uint32) {
	var h [4][256]uint32
	out := dist[lo:hi]
	dd := dead[lo:hi]
	switch words {
	case 2:
		q0, q1 := q[0], q[1]
		c := codes[lo*2 : hi*2]
		for i := range out {
			d := bits.OnesCount64(c[2*i]^q0) + bits.OnesCount64(c[2*i+1]^q1)
			if dd[i] {
				out[i] = deadDist
				continue
			}
			out[i] = uint8(d)
			h[i&3][d]++
		}
	case 4:
		scan256(codes, q, dead, lo, hi, dist, hist)
		return
	default:
		for i := range out {
			if dd[i] {
				out[i] = deadDist
				continue
			}
			d := 0
			row := lo + i
			for w, x := range codes[row*words : (row+1)*words] {
				d += bits.OnesCount64(x ^ q[w])
			}
			d = min(d, deadDist-1)
			out[i] = uint8(d)
			h[i&3][d]++
		}
	}
	for d := range hist {
		hist[d] += h[0][d] + h[1][d] + h[2][d] + h[3][d]
	}
}

// scan256 is scanCodes for 256-bit codes, the recommended length for 128-d.
func scan256(codes []uint64, q []uint64, dead []bool, lo, hi int, dist []uint8, hist *[deadDist]uint32) {
	var h [4][256]uint32
	q0, q1, q2, q3 := q[0], q[1], q[2], q[3]
	c := codes[lo*4 : hi*4]
	dd := dead[lo:hi]
	out := dist[lo:hi]
	for i := range out {
		w := c[4*i : 4*i+4 : 4*i+4]
		d := bits.OnesCount64(w[0]^q0) + bits.OnesCount64(w[1]^q1) + bits.OnesCount64(w[2]^q2) + bits.OnesCount64(w[3]^q3)
		if dd[i] {
			out[i] = deadDist
			continue
		}
		d = min(d, deadDist-1)
		out[i] = uint8(d)
		h[i&3][d]++
	}
	for d := range hist {
		hist[d] += h[0][d] + h[1][d] + h[2][d] + h[3][d]
	}
}

// quantise writes v as int8 steps into dst and returns the step.
func quantise(dst []int8, v []float32) float32 {
	var m float32
	for _, x := range v {
		m = max(m, float32(math.Abs(float64(x))))
	}
	if m == 0 {
		clear(dst[:len(v)])
		return 0
	}
	step := m / 127
	inv := 1 / step
	for i, x := range v {
		dst[i] = int8(math.Round(float64(x * inv)))
	}
	return step
}

// dot8 is the integer dot product of two int8 vectors of equal length.
func dot8(a, b []int8) int32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 int32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += int32(a[i]) * int32(b[i])
		s1 += int32(a[i+1]) * int32(b[i+1])
		s2 += int32(a[i+2]) * int32(b[i+2])
		s3 += int32(a[i+3]) * int32(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += int32(a[i]) * int32(b[i])
	}
	return s0 + s1 + s2 + s3
}

// dot32 is the float32 dot product of two vectors of equal length.
func dot32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// sqDist32 is the squared Euclidean distance in float32.
func sqDist32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		d0, d1, d2, d3 := a[i]-b[i], a[i+1]-b[i+1], a[i+2]-b[i+2], a[i+3]-b[i+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// exactDistance is the one exact distance both Search and SearchExhaustive
// report, so that their results compare bit for bit.
func exactDistance(m Metric, q []float32, qnorm float32, x []float32, xnorm float32) float64 {
	if m == Cosine {
		if qnorm == 0 || xnorm == 0 {
			return 1
		}
		return 1 - float64(dot32(q, x))/(float64(qnorm)*float64(xnorm))
	}
	return math.Sqrt(float64(sqDist32(q, x)))
}

func norm32(v []float32) float32 { return float32(math.Sqrt(float64(dot32(v, v)))) }
