package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"
	"testing"
)

// graphGolden is written by `make golden`: human-models graph models run by
// tfjs 4.22 (wasm backend) on deterministic inputs.
type graphGolden struct {
	Models map[string]struct {
		File    string `json:"file"`
		Seed    uint32 `json:"seed"`
		Size    int    `json:"size"`
		Outputs map[string]struct {
			Shape  []int     `json:"shape"`
			Values []float32 `json:"values"`
		} `json:"outputs"`
	} `json:"models"`
}

func modelsDir() string {
	if d := os.Getenv("KAKUNIN_MODELS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "models")
}

func loadGraphModel(t testing.TB, rel string) *GraphModel {
	t.Helper()
	p := filepath.Join(modelsDir(), filepath.FromSlash(rel))
	js, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run `make models`)", err)
	}
	m, err := ParseGraphModel(js, func(shard string) ([]byte, error) {
		return os.ReadFile(filepath.Join(filepath.Dir(p), path.Base(shard)))
	})
	if err != nil {
		t.Fatalf("ParseGraphModel(%s): %v", rel, err)
	}
	return m
}

// lcgInput mirrors golden.js: LCG bytes scaled to [0, 1].
func lcgInput(seed uint32, size int) *Tensor {
	t := New(1, size, size, 3)
	s := seed
	for i := range t.Data {
		s = s*1664525 + 1013904223
		t.Data[i] = float32(s>>24) / 255
	}
	return t
}

func TestGraphModelsMatchTFJS(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "graph_golden.json"))
	if err != nil {
		t.Fatalf("%v (regenerate with `make golden`)", err)
	}
	var g graphGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Models) == 0 {
		t.Fatal("golden file lists no models")
	}
	for name, gm := range g.Models {
		t.Run(name, func(t *testing.T) {
			m := loadGraphModel(t, gm.File)
			out, err := m.Run(map[string]*Tensor{m.Inputs[0]: lcgInput(gm.Seed, gm.Size)})
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != len(gm.Outputs) {
				t.Errorf("%d outputs %v; want %d", len(out), m.Outputs, len(gm.Outputs))
			}
			for oname, want := range gm.Outputs {
				got, ok := out[oname]
				if !ok {
					t.Errorf("no output %q (have %v)", oname, m.Outputs)
					continue
				}
				if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
					t.Errorf("%s: shape %v; want %v", oname, got.Shape, want.Shape)
					continue
				}
				// 1e-4 relative to the output's magnitude (blazeface
				// regresses pixel offsets in the hundreds).
				var scale, worst float64
				for _, v := range want.Values {
					scale = max(scale, math.Abs(float64(v)))
				}
				for i, v := range want.Values {
					worst = max(worst, math.Abs(float64(got.Data[i])-float64(v)))
				}
				tol := 1e-4 * max(1, scale)
				t.Logf("%s: max |Go - tfjs| = %.3g (output magnitude %.3g)", oname, worst, scale)
				if worst > tol {
					t.Errorf("%s: max |Go - tfjs| = %.3g; want ≤ %.3g", oname, worst, tol)
				}
			}
		})
	}
}

const tinyGraph = `{"format":"graph-model","modelTopology":{"node":[
 {"name":"x","op":"Placeholder"},
 {"name":"w","op":"Const"},
 {"name":"b","op":"Const"},
 {"name":"conv","op":"_FusedConv2D","input":["x","w","b"],"attr":{"strides":{"list":{"i":["1","1","1","1"]}},"padding":{"s":"U0FNRQ=="},"fused_ops":{"list":{"s":["Qmlhc0FkZA==","UmVsdQ=="]}}}},
 {"name":"axes","op":"Const"},
 {"name":"mean","op":"Mean","input":["conv","axes"],"attr":{"keep_dims":{"b":false}}},
 {"name":"out","op":"Softmax","input":["mean"]}]},
 "weightsManifest":[{"paths":["w.bin"],"weights":[
 {"name":"w","shape":[1,1,3,2],"dtype":"float32"},
 {"name":"b","shape":[2],"dtype":"float32"},
 {"name":"axes","shape":[2],"dtype":"int32"}]}]}`

func tinyShard() []byte {
	var b []byte
	for _, v := range []float32{1, 0, 0, 1, 0, 0, 0.5, -0.5} { // w: picks channels 0 and 1; b
		b = binaryAppendFloat(b, v)
	}
	for _, v := range []uint32{1, 2} { // axes
		b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
	return b
}

func binaryAppendFloat(b []byte, v float32) []byte {
	u := math.Float32bits(v)
	return append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
}

func TestTinyGraph(t *testing.T) {
	m, err := ParseGraphModel([]byte(tinyGraph), func(string) ([]byte, error) { return tinyShard(), nil })
	if err != nil {
		t.Fatal(err)
	}
	x := FromData([]float32{1, 2, 9, 3, 4, 9}, 1, 1, 2, 3) // two pixels
	out, err := m.Run(map[string]*Tensor{"x": x})
	if err != nil {
		t.Fatal(err)
	}
	// conv+bias+relu: pixel 1 → (1.5, 1.5), pixel 2 → (3.5, 3.5); mean → (2.5, 2.5); softmax → (0.5, 0.5).
	if got := out["out"]; got == nil || fmt.Sprint(got.Shape, got.Data) != "[1 2] [0.5 0.5]" {
		t.Errorf("out = %v; want [1 2] [0.5 0.5]", got)
	}
	if _, err := m.Run(map[string]*Tensor{}); err == nil {
		t.Error("Run without inputs succeeded; want an error")
	}
	if _, err := m.Run(map[string]*Tensor{"x": New(1, 2, 2, 4)}); err == nil {
		t.Error("Run with 4 channels for a 3-channel filter succeeded; want an error")
	}
}

func FuzzParseGraphModel(f *testing.F) {
	f.Add([]byte(tinyGraph), tinyShard())
	f.Add([]byte(`{"format":"graph-model","modelTopology":{"node":[{"name":"x","op":"Placeholder"},{"name":"y","op":"Pad","input":["x","x"]}]},"weightsManifest":[]}`), []byte{})
	f.Fuzz(func(t *testing.T, model, shard []byte) {
		m, err := ParseGraphModel(model, func(string) ([]byte, error) { return shard, nil })
		if err != nil {
			return
		}
		in := map[string]*Tensor{}
		for _, name := range m.Inputs {
			in[name] = New(1, 4, 4, 3)
		}
		_, _ = m.Run(in) // must not panic
	})
}
