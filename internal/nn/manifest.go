package nn

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
)

// A weights manifest is the JSON file TensorFlow.js writes next to its binary
// shards: groups of named weights, each group stored back to back across the
// group's shard files.
type manifestGroup struct {
	Paths   []string         `json:"paths"`
	Weights []manifestWeight `json:"weights"`
}

type manifestWeight struct {
	Name         string        `json:"name"`
	Shape        []int         `json:"shape"`
	DType        string        `json:"dtype"`
	Quantization *quantization `json:"quantization"`
}

type quantization struct {
	DType string  `json:"dtype"`
	Scale float64 `json:"scale"`
	Min   float64 `json:"min"`
}

// maxWeightElements bounds a single weight so that a corrupt manifest cannot
// make the loader allocate without limit before the shard size check.
const maxWeightElements = 1 << 28

// ParseManifest decodes a tfjs weights manifest. readShard returns the bytes
// of a shard named by a manifest path. Weights are dequantised as tfjs does:
// uint8 and uint16 as q·scale + min (computed in float64, stored as float32),
// float16 as IEEE half precision. int32 weights (shapes, axes) become float32.
func ParseManifest(manifest []byte, readShard func(path string) ([]byte, error)) (map[string]*Tensor, error) {
	var groups []manifestGroup
	if err := json.Unmarshal(manifest, &groups); err != nil {
		return nil, fmt.Errorf("weights manifest: %w", err)
	}
	return parseGroups(groups, readShard)
}

func parseGroups(groups []manifestGroup, readShard func(path string) ([]byte, error)) (map[string]*Tensor, error) {
	out := make(map[string]*Tensor)
	for gi, g := range groups {
		var buf []byte
		for _, p := range g.Paths {
			b, err := readShard(p)
			if err != nil {
				return nil, err
			}
			buf = append(buf, b...)
		}
		off := 0
		for _, w := range g.Weights {
			t, n, err := decodeWeight(w, buf[off:])
			if err != nil {
				return nil, fmt.Errorf("weights manifest group %d, weight %q: %w", gi, w.Name, err)
			}
			if _, dup := out[w.Name]; dup {
				return nil, fmt.Errorf("weights manifest: weight %q appears twice", w.Name)
			}
			out[w.Name] = t
			off += n
		}
		if off != len(buf) {
			return nil, fmt.Errorf("weights manifest group %d: weights use %d bytes, shards hold %d", gi, off, len(buf))
		}
	}
	return out, nil
}

func decodeWeight(w manifestWeight, buf []byte) (*Tensor, int, error) {
	n := 1
	for _, d := range w.Shape {
		if d < 0 || (d > 0 && n > maxWeightElements/d) {
			return nil, 0, fmt.Errorf("bad shape %v", w.Shape)
		}
		n *= d
	}
	storage := w.DType
	switch {
	case w.DType == "int32" && w.Quantization == nil:
		// Shapes and axes; held as float32, exact below 2^24.
	case w.DType != "float32":
		return nil, 0, fmt.Errorf("dtype %q not supported", w.DType)
	case w.Quantization != nil:
		storage = w.Quantization.DType
	}
	var size int
	switch storage {
	case "float32", "int32":
		size = 4
	case "float16", "uint16":
		size = 2
	case "uint8":
		size = 1
	default:
		return nil, 0, fmt.Errorf("storage type %q not supported", storage)
	}
	if len(buf) < n*size {
		return nil, 0, fmt.Errorf("needs %d bytes, %d left in the shards", n*size, len(buf))
	}
	data := make([]float32, n)
	switch storage {
	case "float32":
		for i := range data {
			data[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		}
	case "int32":
		for i := range data {
			data[i] = float32(int32(binary.LittleEndian.Uint32(buf[4*i:])))
		}
	case "float16":
		for i := range data {
			data[i] = Float16ToFloat32(binary.LittleEndian.Uint16(buf[2*i:]))
		}
	case "uint16":
		q := w.Quantization
		for i := range data {
			data[i] = float32(float64(binary.LittleEndian.Uint16(buf[2*i:]))*q.Scale + q.Min)
		}
	case "uint8":
		q := w.Quantization
		for i := range data {
			data[i] = float32(float64(buf[i])*q.Scale + q.Min)
		}
	}
	return &Tensor{Shape: append([]int(nil), w.Shape...), Data: data}, n * size, nil
}

// Float16ToFloat32 converts an IEEE 754 half-precision value.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
	case frac == 0: // zero
		return math.Float32frombits(sign)
	default: // subnormal: value = frac · 2^-24
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
}
