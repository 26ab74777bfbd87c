package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sentinel marks memory the kernels must not write.
const sentinel = float32(-12345.5)

func fillSentinel(s []float32) {
	for i := range s {
		s[i] = sentinel
	}
}

// TestMicroKernelMatchesGo checks the micro-kernel in use (assembly on
// amd64 with AVX2+FMA) bit for bit against microKernel6x16Go, over k
// (including 0 and every residue mod 4), row strides, misaligned starts and
// both accumulate modes, and that it writes nothing outside its block.
func TestMicroKernelMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 147, 288, 1153} {
		for _, pad := range []int{0, 1, 5} {
			for _, off := range []int{0, 1, 3, 7} {
				for _, acc := range []bool{false, true} {
					lda, ldc := k+pad, mkCols+pad
					a := randTensor(r, off+mkRows*lda).Data[off:]
					b := randTensor(r, off+max(k, 1)*mkCols).Data[off:]
					c0 := make([]float32, off+mkRows*ldc+8)
					fillSentinel(c0)
					want := c0[off:]
					for row := 0; row < mkRows; row++ {
						for j := 0; j < mkCols; j++ {
							want[row*ldc+j] = float32(r.NormFloat64())
						}
					}
					got := append([]float32(nil), want...)
					microKernel6x16Go(k, a, lda, b, want, ldc, acc)
					microKernel6x16(k, a, lda, b, got, ldc, acc)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("k=%d pad=%d off=%d acc=%v: c[%d] = %g; want %g (%s)", k, pad, off, acc, i, got[i], want[i], GemmBackend())
						}
					}
					for i := mkRows*ldc - pad; i < len(got); i++ {
						if got[i] != sentinel {
							t.Fatalf("k=%d pad=%d: wrote c[%d] past the block", k, pad, i)
						}
					}
				}
			}
		}
	}
}

// TestMicroKernel32MatchesGo checks the 6×32 micro-kernel in use (AVX-512
// assembly where the CPU has it) bit for bit against microKernel6x32Go, in
// the same way as TestMicroKernelMatchesGo.
func TestMicroKernel32MatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	const cols = 2 * mkCols
	for _, k := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 147, 288, 1153} {
		for _, pad := range []int{0, 1, 5} {
			for _, off := range []int{0, 1, 3, 7} {
				for _, acc := range []bool{false, true} {
					lda, ldc := k+pad, cols+pad
					a := randTensor(r, off+mkRows*lda).Data[off:]
					b0 := randTensor(r, off+max(k, 1)*mkCols).Data[off:]
					b1 := randTensor(r, max(k, 1)*mkCols+pad).Data[pad:]
					c0 := make([]float32, off+mkRows*ldc+8)
					fillSentinel(c0)
					want := c0[off:]
					for row := 0; row < mkRows; row++ {
						for j := 0; j < cols; j++ {
							want[row*ldc+j] = float32(r.NormFloat64())
						}
					}
					got := append([]float32(nil), want...)
					microKernel6x32Go(k, a, lda, b0, b1, want, ldc, acc)
					microKernel6x32(k, a, lda, b0, b1, got, ldc, acc)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("k=%d pad=%d off=%d acc=%v: c[%d] = %g; want %g (%s)", k, pad, off, acc, i, got[i], want[i], GemmBackend())
						}
					}
					for i := mkRows*ldc - pad; i < len(got); i++ {
						if got[i] != sentinel {
							t.Fatalf("k=%d pad=%d: wrote c[%d] past the block", k, pad, i)
						}
					}
				}
			}
		}
	}
}

// TestMicroKernel3MatchesGo checks the 3-row kernels in use (assembly on
// amd64) bit for bit against their Go versions, and that they write only
// their three rows.
func TestMicroKernel3MatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, k := range []int{0, 1, 3, 4, 5, 8, 17, 288, 1153} {
		for _, wide := range []bool{false, true} {
			for _, acc := range []bool{false, true} {
				cols := mkCols
				if wide {
					cols = 2 * mkCols
				}
				lda, ldc := k+3, cols+5
				a := randTensor(r, 3*lda).Data
				b0 := randTensor(r, max(k, 1)*mkCols).Data
				b1 := randTensor(r, max(k, 1)*mkCols).Data
				want := make([]float32, 6*ldc)
				fillSentinel(want)
				for row := 0; row < 3; row++ {
					for j := 0; j < cols; j++ {
						want[row*ldc+j] = float32(r.NormFloat64())
					}
				}
				got := append([]float32(nil), want...)
				if wide {
					microKernel3x32Go(k, a, lda, b0, b1, want, ldc, acc)
					microKernel3x32(k, a, lda, b0, b1, got, ldc, acc)
				} else {
					microKernel3x16Go(k, a, lda, b0, want, ldc, acc)
					microKernel3x16(k, a, lda, b0, got, ldc, acc)
				}
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("k=%d cols=%d acc=%v: c[%d] = %g; want %g", k, cols, acc, i, got[i], want[i])
					}
					if row, j := i/ldc, i%ldc; (row >= 3 || j >= cols) && got[i] != sentinel {
						t.Fatalf("k=%d cols=%d: wrote c[%d] outside the block", k, cols, i)
					}
				}
			}
		}
	}
}

// checkGemmMK runs the register-blocked GEMM at m×n×k with both
// micro-kernels and compares: bit-identical to each other, within rounding
// of the float64 product and of the portable kernel, rows outside [i0, i1)
// untouched, and the epilogue equal to a separate pass.
func checkGemmMK(t *testing.T, r *rand.Rand, m, n, k int) {
	t.Helper()
	a := randTensor(r, m, k).Data
	b := randTensor(r, k, n).Data
	pb := PackB(k, n, b)
	tol := 1e-5 * math.Sqrt(float64(max(k, 1)))
	want := naiveGemm(m, n, k, a, b)

	got := make([]float32, m*n)
	fillSentinel(got)
	gemmPackedMK(0, m, a, pb, got, nil, microKernel6x16, nil)
	ref := make([]float32, m*n)
	gemmPackedMK(0, m, a, pb, ref, nil, microKernel6x16Go, nil)
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(ref[i]) {
			t.Fatalf("%d×%d×%d: c[%d] = %g; Go micro-kernel gives %g", m, n, k, i, got[i], ref[i])
		}
	}
	// The 6×32 kernels on pairs of panels and the 3-row kernels for a short
	// last block (assembly where the CPU has AVX-512 or AVX2, else the Go
	// versions) round exactly like the 6×16 kernel.
	for name, ks := range map[string]*mkSet{
		"6×32":       {k6x16: microKernel6x16, k6x32: microKernel6x32},
		"6×32 Go":    {k6x16: microKernel6x16Go, k6x32: microKernel6x32Go},
		"3-row":      {k6x16: microKernel6x16, k3x16: microKernel3x16},
		"all":        {k6x16: microKernel6x16, k3x16: microKernel3x16, k6x32: microKernel6x32, k3x32: microKernel3x32},
		"all Go":     {k6x16: microKernel6x16Go, k3x16: microKernel3x16Go, k6x32: microKernel6x32Go, k3x32: microKernel3x32Go},
		"production": asmKernels(),
	} {
		wide := make([]float32, m*n)
		fillSentinel(wide)
		gemmPackedMKSet(0, m, a, pb, wide, nil, ks)
		for i := range got {
			if math.Float32bits(wide[i]) != math.Float32bits(ref[i]) {
				t.Fatalf("%d×%d×%d: %s kernels c[%d] = %g; 6×16 kernel gives %g", m, n, k, name, i, wide[i], ref[i])
			}
		}
	}
	if d := maxRelDiff(got, want); d > tol {
		t.Fatalf("%d×%d×%d: max diff to float64 %g; want ≤ %g", m, n, k, d, tol)
	}
	plain := make([]float32, m*n)
	gemmGo(0, m, n, k, a, b, plain)
	if d := maxRelDiff(got, plain); d > tol {
		t.Fatalf("%d×%d×%d: max diff to the go kernel %g; want ≤ %g", m, n, k, d, tol)
	}

	// A row range in the middle: everything else stays as it was.
	if m >= 3 {
		i0, i1 := 1+r.IntN(m/2), m-r.IntN(m/2)
		part := make([]float32, m*n)
		fillSentinel(part)
		gemmPackedMKSet(i0, i1, a, pb, part, nil, asmKernels())
		for i := range part {
			row := i / n
			if inside := row >= i0 && row < i1; inside && part[i] != got[i] || !inside && part[i] != sentinel {
				t.Fatalf("%d×%d×%d rows [%d,%d): c[%d] = %g", m, n, k, i0, i1, i, part[i])
			}
		}
	}

	ep := &GemmEpilogue{Add1: randTensor(r, n).Data, Mul: randTensor(r, n).Data, Add2: randTensor(r, n).Data, Act: Activation(r.IntN(3))}
	fused := make([]float32, m*n)
	sep := &Tensor{Shape: []int{m, n}, Data: append([]float32(nil), got...)}
	Epilogue(sep, ep.Add1, ep.Mul, ep.Add2, ep.Act)
	for _, ks := range []*mkSet{{k6x16: microKernel6x16}, asmKernels()} {
		gemmPackedMKSet(0, m, a, pb, fused, ep, ks)
		for i := range fused {
			if math.Float32bits(fused[i]) != math.Float32bits(sep.Data[i]) {
				t.Fatalf("%d×%d×%d epilogue %d: c[%d] = %g; separate pass %g", m, n, k, ep.Act, i, fused[i], sep.Data[i])
			}
		}
	}
}

func TestGemmMKEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range [][3]int{
		{1, 1, 1}, {1, 1, 0}, {5, 17, 3}, {7, 33, 9}, {6, 16, 4}, {12, 32, 8}, {13, 1, 5},
		{2, 15, 1}, {6, 17, 7}, {11, 31, 2}, {19, 48, 33},
		{72 * 72, 32, 147}, {324, 32, 32}, {81, 64, 64}, {9, 256, 2304}, {300, 70, 129},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2]), func(t *testing.T) {
			checkGemmMK(t, r, s[0], s[1], s[2])
		})
	}
}

// TestGemmMKRandom is a randomized sweep over shapes; -short runs fewer.
func TestGemmMKRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	runs := 300
	if testing.Short() {
		runs = 40
	}
	for range runs {
		m, n, k := 1+r.IntN(40), 1+r.IntN(70), r.IntN(90)
		checkGemmMK(t, r, m, n, k)
	}
}

// FuzzGemmMK lets `go test -fuzz FuzzGemmMK` search shapes and seeds.
func FuzzGemmMK(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(1), uint64(1))
	f.Add(uint8(5), uint8(17), uint8(3), uint64(2))
	f.Add(uint8(7), uint8(33), uint8(9), uint64(3))
	f.Add(uint8(61), uint8(47), uint8(130), uint64(4))
	f.Fuzz(func(t *testing.T, m, n, k uint8, seed uint64) {
		if m == 0 || n == 0 {
			return
		}
		checkGemmMK(t, rand.New(rand.NewPCG(seed, 9)), int(m), int(n), int(k))
	})
}

// TestGemmUsesMicroKernel checks the unpacked Gemm entry (which packs B on
// the fly when the assembly kernel is on) and GemmPacked, parallel included,
// against the float64 product.
func TestGemmUsesMicroKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, s := range [][3]int{{6, 16, 1}, {7, 33, 5}, {301, 65, 130}, {1000, 40, 60}} {
		m, n, k := s[0], s[1], s[2]
		a := randTensor(r, m, k).Data
		b := randTensor(r, k, n).Data
		want := naiveGemm(m, n, k, a, b)
		tol := 1e-5 * math.Sqrt(float64(k))
		got := make([]float32, m*n)
		fillSentinel(got)
		Gemm(m, n, k, a, b, got)
		if d := maxRelDiff(got, want); d > tol {
			t.Errorf("Gemm %dx%dx%d (%s): max diff %g", m, n, k, GemmBackend(), d)
		}
		fillSentinel(got)
		GemmPacked(m, a, PackB(k, n, b), got, nil)
		if d := maxRelDiff(got, want); d > tol {
			t.Errorf("GemmPacked %dx%dx%d (%s): max diff %g", m, n, k, GemmBackend(), d)
		}
	}
}

// TestConvValidMKEqualsIm2col: the VALID convolution that reads the input in
// place gives the same bits as im2col followed by the packed GEMM, with
// either micro-kernel pair, with and without the fused epilogue.
func TestConvValidMKEqualsIm2col(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, s := range []struct{ h, w, c, k, out, stride int }{
		{150, 150, 3, 7, 32, 2}, // recognition stem
		{35, 35, 32, 3, 64, 2},  // conv64_down
		{8, 8, 128, 3, 256, 2},  // conv256_down
		{9, 14, 5, 3, 16, 1},
		{7, 20, 3, 2, 48, 3},
		{4, 4, 2, 4, 32, 1},
	} {
		x := randTensor(r, 1, s.h, s.w, s.c)
		f, _ := NewFilter(randTensor(r, s.k, s.k, s.c, s.out))
		oh, ow := outSize(s.h, s.k, s.stride, 0, 0), outSize(s.w, s.k, s.stride, 0, 0)
		cols := make([]float32, oh*ow*s.k*s.k*s.c)
		im2col(x.Data, s.h, s.w, s.c, s.k, s.k, s.stride, Pads{}, oh, ow, cols)
		for _, ep := range []*GemmEpilogue{nil, {Add1: randTensor(r, s.out).Data, Mul: randTensor(r, s.out).Data, Act: Relu}} {
			want := make([]float32, oh*ow*s.out)
			gemmPackedMK(0, oh*ow, cols, f.packed, want, ep, microKernel6x16Go, nil)
			for _, kern32 := range []microKernel32{nil, microKernel6x32, microKernel6x32Go} {
				for _, kern := range []microKernel{microKernel6x16, microKernel6x16Go} {
					got := New(1, oh, ow, s.out)
					fillSentinel(got.Data)
					convValidMK(x, f, s.stride, got, ep, kern, kern32)
					for i := range want {
						if math.Float32bits(got.Data[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%+v: out[%d] = %g; im2col %g", s, i, got.Data[i], want[i])
						}
					}
				}
			}
		}
	}
}
