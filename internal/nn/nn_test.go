package nn

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randTensor(r *rand.Rand, shape ...int) *Tensor {
	t := New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(r.NormFloat64())
	}
	return t
}

// maxRelDiff is max |a-b| / max(1, |b|).
func maxRelDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i]))/max(1, math.Abs(float64(b[i]))))
	}
	return d
}

func naiveGemm(m, n, k int, a, b []float32) []float32 {
	c := make([]float32, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += float64(a[i*k+p]) * float64(b[p*n+j])
			}
			c[i*n+j] = float32(s)
		}
	}
	return c
}

func TestGemmKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tests := map[string]struct{ m, n, k int }{
		"one by one":                  {1, 1, 1},
		"tile remainders everywhere":  {7, 23, 5},
		"exact 4x16 tiles":            {8, 32, 16},
		"recognition 3x3 256 at 3x3":  {9, 256, 2304},
		"detector pointwise 16 to 32": {3 * 52, 32, 16},
		"large enough to go parallel": {300, 64, 128},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a := randTensor(r, tc.m, tc.k).Data
			b := randTensor(r, tc.k, tc.n).Data
			want := naiveGemm(tc.m, tc.n, tc.k, a, b)
			got := make([]float32, tc.m*tc.n)
			Gemm(tc.m, tc.n, tc.k, a, b, got)
			// Relative to the sum's scale, sqrt(k) for unit normals.
			tol := 1e-5 * math.Sqrt(float64(tc.k))
			if d := maxRelDiff(got, want); d > tol {
				t.Errorf("Gemm (%s): max diff %g; want ≤ %g", GemmBackend(), d, tol)
			}
			packed := make([]float32, tc.m*tc.n)
			GemmPacked(tc.m, a, PackB(tc.k, tc.n, b), packed, nil)
			if d := maxRelDiff(packed, want); d > tol {
				t.Errorf("GemmPacked (%s): max diff %g; want ≤ %g", GemmBackend(), d, tol)
			}
			plain := make([]float32, tc.m*tc.n)
			for i := range plain {
				plain[i] = 99 // Gemm must overwrite, not accumulate
			}
			gemmGo(0, tc.m, tc.n, tc.k, a, b, plain)
			if d := maxRelDiff(got, plain); d > tol {
				t.Errorf("%s vs go kernel: max diff %g; want ≤ %g", GemmBackend(), d, tol)
			}
		})
	}
}

func naiveConv(x *Tensor, f *Filter, stride int, p Pads, depthwise bool) *Tensor {
	h, w, c := x.HWC()
	oh := outSize(h, f.KH, stride, p.Top, p.Bottom)
	ow := outSize(w, f.KW, stride, p.Left, p.Right)
	co := f.Out
	if depthwise {
		co = c
	}
	out := New(1, oh, ow, co)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			for o := 0; o < co; o++ {
				var s float64
				for ky := 0; ky < f.KH; ky++ {
					for kx := 0; kx < f.KW; kx++ {
						iy, ix := oy*stride-p.Top+ky, ox*stride-p.Left+kx
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							continue
						}
						if depthwise {
							s += float64(x.Data[(iy*w+ix)*c+o]) * float64(f.W[(ky*f.KW+kx)*c+o])
							continue
						}
						for ci := 0; ci < c; ci++ {
							s += float64(x.Data[(iy*w+ix)*c+ci]) * float64(f.W[((ky*f.KW+kx)*c+ci)*co+o])
						}
					}
				}
				out.Data[(oy*ow+ox)*co+o] = float32(s)
			}
		}
	}
	return out
}

func TestConv2DMatchesDirectConvolution(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tests := map[string]struct {
		h, w, c, k, out, stride int
		pad                     Padding
	}{
		"7x7 stride 2 valid (recognition stem)": {23, 19, 3, 7, 8, 2, Valid},
		"3x3 same":                              {9, 11, 5, 3, 7, 1, Same},
		"3x3 stride 2 same (landmark stem)":     {10, 10, 3, 3, 4, 2, Same},
		"3x3 stride 2 valid on even input":      {8, 8, 4, 3, 5, 2, Valid},
		"1x1 pointwise":                         {6, 5, 16, 1, 32, 1, Valid},
		"3x3 same on 1x1 (taps cut to 1x1)":     {1, 1, 40, 3, 20, 1, Same},
		"3x3 same on 1x2 (taps cut to 1x3)":     {1, 2, 6, 3, 5, 1, Same},
		"5x5 stride 2 same on 2x3":              {2, 3, 4, 5, 6, 2, Same},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			x := randTensor(r, 1, tc.h, tc.w, tc.c)
			f, _ := NewFilter(randTensor(r, tc.k, tc.k, tc.c, tc.out))
			p := PadsFor(tc.pad, tc.h, tc.w, tc.k, tc.k, tc.stride)
			got := Conv2D(x, f, tc.stride, p)
			want := naiveConv(x, f, tc.stride, p, false)
			if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
				t.Fatalf("shape %v; want %v", got.Shape, want.Shape)
			}
			if d := maxRelDiff(got.Data, want.Data); d > 1e-5 {
				t.Errorf("max diff %g; want ≤ 1e-5", d)
			}
		})
	}
}

func TestDepthwiseConv2DMatchesDirectConvolution(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, stride := range []int{1, 2} {
		t.Run(fmt.Sprintf("stride %d", stride), func(t *testing.T) {
			x := randTensor(r, 1, 9, 8, 6)
			f, _ := NewFilter(randTensor(r, 3, 3, 6, 1))
			p := PadsFor(Same, 9, 8, 3, 3, stride)
			got := DepthwiseConv2D(x, f, stride, p)
			want := naiveConv(x, f, stride, p, true)
			if d := maxRelDiff(got.Data, want.Data); d > 1e-5 {
				t.Errorf("max diff %g; want ≤ 1e-5", d)
			}
		})
	}
}

func TestPadsFor(t *testing.T) {
	tests := map[string]struct {
		p             Padding
		in, k, stride int
		want          Pads
		wantOut       int
	}{
		"same stride 1 k3":          {Same, 10, 3, 1, Pads{1, 1, 1, 1}, 10},
		"same stride 2 k3 even":     {Same, 112, 3, 2, Pads{0, 1, 0, 1}, 56},
		"same stride 2 k3 odd":      {Same, 7, 3, 2, Pads{1, 1, 1, 1}, 4},
		"same maxpool 2 stride 1":   {Same, 13, 2, 1, Pads{0, 1, 0, 1}, 13},
		"same maxpool 2 stride 2":   {Same, 13, 2, 2, Pads{0, 1, 0, 1}, 7},
		"valid ignores the remains": {Valid, 150, 7, 2, Pads{}, 72},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := PadsFor(tc.p, tc.in, tc.in, tc.k, tc.k, tc.stride)
			if got != tc.want {
				t.Errorf("PadsFor = %+v; want %+v", got, tc.want)
			}
			if out := outSize(tc.in, tc.k, tc.stride, got.Top, got.Bottom); out != tc.wantOut {
				t.Errorf("output size %d; want %d", out, tc.wantOut)
			}
		})
	}
}

func TestPooling(t *testing.T) {
	// 3x3 single channel: 1..9.
	x := FromData([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1)
	tests := map[string]struct {
		got  *Tensor
		want []float32
	}{
		"max 2x2/2 same keeps the edge cells":   {MaxPool(x, 2, 2, Same), []float32{5, 6, 8, 9}},
		"avg 2x2/2 same divides by valid cells": {AvgPool(x, 2, 2, Same), []float32{3, 4.5, 7.5, 9}},
		"avg 2x2/2 valid drops the edge":        {AvgPool(x, 2, 2, Valid), []float32{3}},
		"max 3x3/2 valid":                       {MaxPool(x, 3, 2, Valid), []float32{9}},
		"global mean":                           {GlobalMean(x), []float32{5}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if fmt.Sprint(tc.got.Data) != fmt.Sprint(tc.want) {
				t.Errorf("got %v; want %v", tc.got.Data, tc.want)
			}
		})
	}
}

func TestResizeBilinearFollowsTFJSRule(t *testing.T) {
	// 1x4 row 0,10,20,30 upscaled to 8: source x = 0.5·dst, clamp at the end.
	x := FromData([]float32{0, 10, 20, 30}, 1, 1, 4, 1)
	got := ResizeBilinear(x, 1, 8)
	want := []float32{0, 5, 10, 15, 20, 25, 30, 30}
	if fmt.Sprint(got.Data) != fmt.Sprint(want) {
		t.Errorf("upscale got %v; want %v", got.Data, want)
	}
	// Downscale 4→2: samples at 0 and 2 (no half-pixel centres).
	got = ResizeBilinear(x, 1, 2)
	if want := []float32{0, 20}; fmt.Sprint(got.Data) != fmt.Sprint(want) {
		t.Errorf("downscale got %v; want %v", got.Data, want)
	}
}

func TestPadding(t *testing.T) {
	x := FromData([]float32{1, 2, 3, 4}, 1, 2, 1, 2)
	got := PadSpatial(x, Pads{Top: 1, Right: 1})
	want := []float32{0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0}
	if fmt.Sprint(got.Shape, got.Data) != fmt.Sprint([]int{1, 3, 2, 2}, want) {
		t.Errorf("PadSpatial got %v %v; want [1 3 2 2] %v", got.Shape, got.Data, want)
	}
	got = PadChannels(x, 1)
	if want := []float32{1, 2, 0, 3, 4, 0}; fmt.Sprint(got.Data) != fmt.Sprint(want) {
		t.Errorf("PadChannels got %v; want %v", got.Data, want)
	}
}

func TestLeakyFaceAPI(t *testing.T) {
	x := FromData([]float32{-10, 0, 3}, 3)
	LeakyFaceAPI(x)
	want := []float32{-1, 0, 3}
	for i := range want {
		if math.Abs(float64(x.Data[i]-want[i])) > 1e-6 {
			t.Errorf("leaky[%d] = %v; want %v", i, x.Data[i], want[i])
		}
	}
}

func TestFloat16ToFloat32(t *testing.T) {
	tests := map[string]struct {
		in   uint16
		want float32
	}{
		"one":              {0x3c00, 1},
		"minus two":        {0xc000, -2},
		"max half":         {0x7bff, 65504},
		"smallest normal":  {0x0400, 6.103515625e-05},
		"largest subnorm":  {0x03ff, 6.097555160522461e-05},
		"smallest subnorm": {0x0001, 5.960464477539063e-08},
		"negative zero":    {0x8000, float32(math.Copysign(0, -1))},
		"infinity":         {0x7c00, float32(math.Inf(1))},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Float16ToFloat32(tc.in); math.Float32bits(got) != math.Float32bits(tc.want) {
				t.Errorf("Float16ToFloat32(%#04x) = %v; want %v", tc.in, got, tc.want)
			}
		})
	}
	if got := Float16ToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("Float16ToFloat32(NaN) = %v; want NaN", got)
	}
}

// testManifest builds a manifest with one uint8, one float16 and one float32
// weight split over two shards.
func testManifest(t *testing.T) ([]byte, map[string][]byte) {
	t.Helper()
	m := []manifestGroup{{
		Paths: []string{"a.bin", "b.bin"},
		Weights: []manifestWeight{
			{Name: "q", Shape: []int{3}, DType: "float32", Quantization: &quantization{DType: "uint8", Scale: 0.5, Min: -1}},
			{Name: "h", Shape: []int{1, 2}, DType: "float32", Quantization: &quantization{DType: "float16"}},
			{Name: "f", Shape: []int{1}, DType: "float32"},
		},
	}}
	js, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	all = append(all, 0, 1, 255)                        // q
	all = binary.LittleEndian.AppendUint16(all, 0x3c00) // h: 1
	all = binary.LittleEndian.AppendUint16(all, 0xc000) // h: -2
	all = binary.LittleEndian.AppendUint32(all, math.Float32bits(0.25))
	return js, map[string][]byte{"a.bin": all[:5], "b.bin": all[5:]}
}

func TestParseManifest(t *testing.T) {
	js, shards := testManifest(t)
	read := func(p string) ([]byte, error) {
		b, ok := shards[p]
		if !ok {
			return nil, fmt.Errorf("no shard %s", p)
		}
		return b, nil
	}
	w, err := ParseManifest(js, read)
	if err != nil {
		t.Fatalf("ParseManifest: %v", err)
	}
	want := map[string][]float32{"q": {-1, -0.5, 126.5}, "h": {1, -2}, "f": {0.25}}
	for name, vals := range want {
		if got := fmt.Sprint(w[name].Data); got != fmt.Sprint(vals) {
			t.Errorf("%s = %s; want %v", name, got, vals)
		}
	}
	if fmt.Sprint(w["h"].Shape) != "[1 2]" {
		t.Errorf("h shape %v; want [1 2]", w["h"].Shape)
	}

	broken := map[string]struct {
		manifest string
		shards   map[string][]byte
	}{
		"not json":        {"{", shards},
		"short shard":     {string(js), map[string][]byte{"a.bin": shards["a.bin"], "b.bin": shards["b.bin"][:3]}},
		"trailing bytes":  {string(js), map[string][]byte{"a.bin": shards["a.bin"], "b.bin": append(append([]byte(nil), shards["b.bin"]...), 0)}},
		"missing shard":   {string(js), map[string][]byte{"a.bin": shards["a.bin"]}},
		"negative dim":    {`[{"paths":[],"weights":[{"name":"x","shape":[-1],"dtype":"float32"}]}]`, nil},
		"huge shape":      {`[{"paths":[],"weights":[{"name":"x","shape":[65536,65536,65536],"dtype":"float32"}]}]`, nil},
		"unknown dtype":   {`[{"paths":[],"weights":[{"name":"x","shape":[1],"dtype":"int64"}]}]`, nil},
		"quantised int32": {`[{"paths":[],"weights":[{"name":"x","shape":[1],"dtype":"int32","quantization":{"dtype":"uint8"}}]}]`, nil},
		"unknown storage": {`[{"paths":[],"weights":[{"name":"x","shape":[1],"dtype":"float32","quantization":{"dtype":"int4"}}]}]`, nil},
	}
	for name, tc := range broken {
		t.Run(name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tc.manifest), func(p string) ([]byte, error) {
				b, ok := tc.shards[p]
				if !ok {
					return nil, fmt.Errorf("no shard %s", p)
				}
				return b, nil
			})
			if err == nil {
				t.Errorf("ParseManifest succeeded; want an error")
			}
		})
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`[{"paths":["a"],"weights":[{"name":"q","shape":[3],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}}]}]`), []byte{1, 2, 3})
	f.Add([]byte(`[{"paths":["a"],"weights":[{"name":"h","shape":[2,1],"dtype":"float32","quantization":{"dtype":"float16"}}]}]`), []byte{0, 0x3c, 0, 0xc0})
	f.Fuzz(func(t *testing.T, manifest, shard []byte) {
		w, err := ParseManifest(manifest, func(string) ([]byte, error) { return shard, nil })
		if err != nil {
			return
		}
		for name, tensor := range w {
			if len(tensor.Data) != numElements(tensor.Shape) {
				t.Fatalf("%s: %d values for shape %v", name, len(tensor.Data), tensor.Shape)
			}
		}
	})
}

func TestEpilogueEqualsSeparateOps(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	x := randTensor(r, 1, 3, 4, 5)
	a1, m, a2 := randTensor(r, 5).Data, randTensor(r, 5).Data, randTensor(r, 5).Data
	tests := map[string]struct {
		act  Activation
		want func(*Tensor) *Tensor
	}{
		"bias, scale, shift, relu":  {Relu, func(t *Tensor) *Tensor { return ReLU(AddChannel(MulChannel(AddChannel(t, a1), m), a2)) }},
		"bias, scale, shift, leaky": {Leaky, func(t *Tensor) *Tensor { return LeakyFaceAPI(AddChannel(MulChannel(AddChannel(t, a1), m), a2)) }},
		"bias, scale, shift":        {Linear, func(t *Tensor) *Tensor { return AddChannel(MulChannel(AddChannel(t, a1), m), a2) }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Epilogue(x.Clone(), a1, m, a2, tc.act)
			want := tc.want(x.Clone())
			for i := range want.Data {
				if got.Data[i] != want.Data[i] {
					t.Fatalf("value %d = %v; want %v (bit-identical)", i, got.Data[i], want.Data[i])
				}
			}
		})
	}
}

func TestGemmEpilogueEqualsSeparatePass(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{16, 37} { // full panels only, and a partial last panel
		for _, act := range []Activation{Linear, Relu, Leaky} {
			t.Run(fmt.Sprintf("n=%d act=%d", n, act), func(t *testing.T) {
				m, k := 9, 20
				a, b := randTensor(r, m, k).Data, randTensor(r, k, n).Data
				ep := &GemmEpilogue{Add1: randTensor(r, n).Data, Mul: randTensor(r, n).Data, Add2: randTensor(r, n).Data, Act: act}
				pb := PackB(k, n, b)
				want := New(m, n)
				GemmPacked(m, a, pb, want.Data, nil)
				Epilogue(want, ep.Add1, ep.Mul, ep.Add2, ep.Act)
				got := New(m, n)
				GemmPacked(m, a, pb, got.Data, ep)
				for i := range want.Data {
					if got.Data[i] != want.Data[i] {
						t.Fatalf("value %d = %v; want %v (bit-identical)", i, got.Data[i], want.Data[i])
					}
				}
			})
		}
	}
}

// TestCutWindowEqualsFullWindow: a window cut to the taps that touch the
// input gives the same bits as im2col over the full window, whose extra taps
// only add zeros.
func TestCutWindowEqualsFullWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, tc := range []struct{ h, w, c, k, out, stride int }{
		{1, 1, 256, 3, 256, 1}, {1, 2, 6, 3, 40, 1}, {2, 3, 4, 5, 33, 2}, {2, 2, 7, 5, 16, 1},
	} {
		x := randTensor(r, 1, tc.h, tc.w, tc.c)
		f, _ := NewFilter(randTensor(r, tc.k, tc.k, tc.c, tc.out))
		p := PadsFor(Same, tc.h, tc.w, tc.k, tc.k, tc.stride)
		ep := &GemmEpilogue{Add1: randTensor(r, tc.out).Data, Act: Relu}
		got := Conv2DEpilogue(x, f, tc.stride, p, ep)
		want := conv2DIm2col(x, f, tc.stride, p, ep)
		if len(f.subs) != 1 {
			t.Errorf("%+v: %d cut filters; want 1", tc, len(f.subs))
		}
		if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
			t.Fatalf("%+v: shape %v; want %v", tc, got.Shape, want.Shape)
		}
		for i := range got.Data {
			if got.Data[i] != want.Data[i] {
				t.Fatalf("%+v: out[%d] = %g; full window %g", tc, i, got.Data[i], want.Data[i])
			}
		}
	}
}

func TestWinogradMatchesIm2col(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	tests := map[string]struct {
		h, w, cin, cout int
		pads            Pads
	}{
		"35x35 32→32 same (recognition stage 1)": {35, 35, 32, 32, Pads{1, 1, 1, 1}},
		"17x17 64→64 same":                       {17, 17, 64, 64, Pads{1, 1, 1, 1}},
		"odd, non-square, valid":                 {13, 10, 5, 7, Pads{}},
		"asymmetric padding":                     {12, 9, 3, 20, Pads{0, 1, 1, 0}},
		"8x8 128→128 same":                       {8, 8, 128, 128, Pads{1, 1, 1, 1}},
		"one tile, 17 channels":                  {5, 6, 17, 9, Pads{1, 0, 0, 1}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			x := randTensor(r, 1, tc.h, tc.w, tc.cin)
			f, _ := NewFilter(randTensor(r, 3, 3, tc.cin, tc.cout))
			ep := &GemmEpilogue{Add1: randTensor(r, tc.cout).Data, Act: Relu}
			want := conv2DIm2col(x, f, 1, tc.pads, ep)
			for i, wino := range []func(*Tensor, *Filter, Pads, *GemmEpilogue) *Tensor{conv3x3Winograd, conv3x3Winograd4} {
				got := wino(x, f, tc.pads, ep)
				if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
					t.Fatalf("shape %v; want %v", got.Shape, want.Shape)
				}
				// Sums of 9·cin unit-normal products: scale the tolerance like
				// Gemm's. F(4×4, 3×3)'s transforms multiply by up to 8 and round
				// about ten times more than F(2×2, 3×3)'s (measured 1.4e-5 of the
				// sums' scale against 2e-6), so it gets three times the bound.
				tol := 1e-5 * math.Sqrt(float64(9*tc.cin)) * float64(1+2*i)
				d := maxRelDiff(got.Data, want.Data)
				if d > tol {
					t.Errorf("max diff %g; want ≤ %g", d, tol)
				}
				t.Logf("max diff to im2col %.3g", d)
			}
		})
	}
}

func TestAddReLUEqualsAddThenReLU(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	tests := map[string]int{
		"one value":              1,
		"vector and a remainder": 21,
		"recognition 35x35x32":   35 * 35 * 32,
	}
	for name, n := range tests {
		t.Run(name, func(t *testing.T) {
			x, y := randTensor(r, n), randTensor(r, n)
			x.Data[0], y.Data[0] = float32(math.Copysign(0, -1)), float32(math.Copysign(0, -1)) // -0 + -0
			want := ReLU(Add(x.Clone(), y))
			got := AddReLU(x.Clone(), y)
			for i := range want.Data {
				if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
					t.Fatalf("value %d = %v; want %v (bit-identical)", i, got.Data[i], want.Data[i])
				}
			}
		})
	}
}

func TestDepthwiseFastPathEqualsPortableLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	tests := map[string]struct {
		h, w, c, stride int
		pad             Padding
	}{
		"16 channels, stride 1, same":  {9, 8, 16, 1, Same},
		"24 channels, stride 2, same":  {11, 7, 24, 2, Same},
		"32 channels, stride 1, valid": {6, 6, 32, 1, Valid},
		"6 channels (no fast path)":    {5, 5, 6, 1, Same},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			x := randTensor(r, 1, tc.h, tc.w, tc.c)
			f, _ := NewFilter(randTensor(r, 3, 3, tc.c, 1))
			p := PadsFor(tc.pad, tc.h, tc.w, 3, 3, tc.stride)
			got := DepthwiseConv2D(x, f, tc.stride, p)
			want := New(got.Shape...)
			depthwiseGo(x, f, tc.stride, p, want)
			for i := range want.Data {
				if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
					t.Fatalf("value %d = %v; want %v (bit-identical)", i, got.Data[i], want.Data[i])
				}
			}
		})
	}
}

func TestWinogradTransformsEqualPortable(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	// Whole groups of sixteen and of eight, and remainders.
	for _, c := range []int{8, 20, 28, 32, 40} {
		t.Run(fmt.Sprintf("%d channels", c), func(t *testing.T) {
			const tiles, tile = 3, 1
			var d [16][]float32
			for i := range d {
				d[i] = randTensor(r, c).Data
			}
			got, want := make([]float32, 16*tiles*c), make([]float32, 16*tiles*c)
			winoInput(got, tiles, tile, c, &d, make([]float32, 16*c))
			winoInputGo(want, tiles, tile, c, 0, c, &d, make([]float32, 16*c))
			sameBits(t, "input transform", got, want)

			m := randTensor(r, 16*tiles*c).Data
			ep := &GemmEpilogue{Add1: randTensor(r, c).Data, Mul: randTensor(r, c).Data, Add2: randTensor(r, c).Data, Act: Activation(c % 3)}
			var gotPix, wantPix [4][]float32
			for i := 0; i < 3; i++ { // the fourth pixel lies outside the image
				gotPix[i], wantPix[i] = make([]float32, c), make([]float32, c)
			}
			winoOutput(&gotPix, m, tiles, tile, c, make([]float32, 8*c), ep)
			winoOutputGo(&wantPix, m, tiles, tile, c, 0, c, make([]float32, 8*c), ep)
			for i := 0; i < 3; i++ {
				sameBits(t, fmt.Sprintf("output pixel %d", i), gotPix[i], wantPix[i])
			}

			// F(4×4, 3×3): 36 input pixels, 16 output pixels (the last
			// row outside the image).
			var d4 [36][]float32
			for i := range d4 {
				d4[i] = randTensor(r, c).Data
			}
			got4, want4 := make([]float32, 36*tiles*c), make([]float32, 36*tiles*c)
			winoInput4(got4, tiles, tile, c, &d4)
			winoInput4Go(want4, tiles, tile, c, 0, c, &d4)
			sameBits(t, "F(4×4, 3×3) input transform", got4, want4)
			m4 := randTensor(r, 36*tiles*c).Data
			var gotPix4, wantPix4 [16][]float32
			for i := 0; i < 12; i++ {
				gotPix4[i], wantPix4[i] = make([]float32, c), make([]float32, c)
			}
			winoOutput4(&gotPix4, m4, tiles, tile, c, ep)
			winoOutput4Go(&wantPix4, m4, tiles, tile, c, 0, c, ep)
			for i := 0; i < 12; i++ {
				sameBits(t, fmt.Sprintf("F(4×4, 3×3) output pixel %d", i), gotPix4[i], wantPix4[i])
			}
		})
	}
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s value %d = %v; want %v (bit-identical)", what, i, got[i], want[i])
		}
	}
}

func TestDivScalarEqualsScalarDivision(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	x := randTensor(r, 1, 7, 5, 3)
	want := make([]float32, len(x.Data))
	for i, v := range x.Data {
		want[i] = v / 255
	}
	DivScalar(x, 255)
	sameBits(t, "DivScalar", x.Data, want)
}

// TestAvgPoolVectorsEqualScalar: the vector sums and division give the bits
// of the scalar loop (taps added in row-major order, then one division).
func TestAvgPoolVectorsEqualScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	const h, w, c = 7, 6, 21
	x := randTensor(r, 1, h, w, c)
	for _, p := range []Padding{Valid, Same} {
		got := AvgPool(x, 3, 2, p)
		pads := PadsFor(p, h, w, 3, 3, 2)
		oh, ow := got.Shape[1], got.Shape[2]
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for ch := 0; ch < c; ch++ {
					var sum float32
					n := 0
					for iy := max(oy*2-pads.Top, 0); iy < min(oy*2-pads.Top+3, h); iy++ {
						for ix := max(ox*2-pads.Left, 0); ix < min(ox*2-pads.Left+3, w); ix++ {
							sum += x.Data[(iy*w+ix)*c+ch]
							n++
						}
					}
					want := sum / float32(n)
					if g := got.Data[(oy*ow+ox)*c+ch]; math.Float32bits(g) != math.Float32bits(want) {
						t.Fatalf("%v (%d,%d,%d) = %v; want %v", p, oy, ox, ch, g, want)
					}
				}
			}
		}
	}
}
