package nn

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// A GraphModel is a TensorFlow.js graph model (model.json with its weight
// shards) prepared for execution: constants decoded, nodes in topological
// order, each bound to a Go implementation of its op. It is immutable after
// ParseGraphModel and safe for concurrent Run calls.
type GraphModel struct {
	Inputs  []string // placeholder names, in model order
	Outputs []string // signature output keys (without ":0") if the model has a signature, else its leaf nodes
	nodeOf  map[string]string
	consts  map[string]*Tensor
	steps   []step
}

type step struct {
	name   string
	op     string
	inputs []string
	run    func(in []*Tensor) (*Tensor, error)
}

type graphJSON struct {
	Format        string `json:"format"`
	ModelTopology struct {
		Node []nodeJSON `json:"node"`
	} `json:"modelTopology"`
	WeightsManifest []manifestGroup `json:"weightsManifest"`
	Signature       struct {
		Outputs map[string]struct {
			Name string `json:"name"`
		} `json:"outputs"`
	} `json:"signature"`
}

type nodeJSON struct {
	Name  string              `json:"name"`
	Op    string              `json:"op"`
	Input []string            `json:"input"`
	Attr  map[string]attrJSON `json:"attr"`
}

// attrJSON is a TensorFlow AttrValue as tfjs serialises it: strings are
// base64 (which encoding/json decodes into []byte) and integers are quoted.
type attrJSON struct {
	S    []byte   `json:"s"`
	I    flexInt  `json:"i"`
	F    float64  `json:"f"`
	B    bool     `json:"b"`
	Type string   `json:"type"`
	List listJSON `json:"list"`
}

type listJSON struct {
	I []flexInt `json:"i"`
	S [][]byte  `json:"s"`
	F []float64 `json:"f"`
}

// flexInt accepts an integer written as a JSON number or a quoted string.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("bad integer %s", b)
	}
	*f = flexInt(v)
	return nil
}

// maxGraphNodes bounds a model's size so corrupt input fails fast.
const maxGraphNodes = 100_000

// ParseGraphModel decodes a tfjs graph model. readShard returns the bytes of a
// weight shard named in the manifest.
func ParseGraphModel(modelJSON []byte, readShard func(path string) ([]byte, error)) (*GraphModel, error) {
	var g graphJSON
	if err := json.Unmarshal(modelJSON, &g); err != nil {
		return nil, fmt.Errorf("graph model: %w", err)
	}
	if g.Format != "graph-model" {
		return nil, fmt.Errorf("graph model: format %q; want \"graph-model\"", g.Format)
	}
	nodes := g.ModelTopology.Node
	if len(nodes) == 0 || len(nodes) > maxGraphNodes {
		return nil, fmt.Errorf("graph model: %d nodes", len(nodes))
	}
	consts, err := parseGroups(g.WeightsManifest, readShard)
	if err != nil {
		return nil, fmt.Errorf("graph model weights: %w", err)
	}
	m := &GraphModel{consts: consts, nodeOf: make(map[string]string)}
	// With a signature, its outputs (which need not be leaves) are the
	// model's outputs, named like tfjs names them: by key, without ":0".
	for key, o := range g.Signature.Outputs {
		node, _, _ := strings.Cut(o.Name, ":")
		name := strings.TrimSuffix(key, ":0")
		m.Outputs = append(m.Outputs, name)
		m.nodeOf[name] = node
	}
	slices.Sort(m.Outputs)
	hasSignature := len(m.Outputs) > 0
	byName := make(map[string]*nodeJSON, len(nodes))
	consumed := make(map[string]bool)
	for i := range nodes {
		n := &nodes[i]
		if n.Name == "" {
			return nil, errors.New("graph model: node without a name")
		}
		if _, dup := byName[n.Name]; dup {
			return nil, fmt.Errorf("graph model: node %q appears twice", n.Name)
		}
		byName[n.Name] = n
		var ins []string
		for _, in := range n.Input {
			if strings.HasPrefix(in, "^") {
				continue // control dependency
			}
			name, port, _ := strings.Cut(in, ":")
			if port != "" && port != "0" {
				return nil, fmt.Errorf("graph model: node %q reads output %s of %q; only single-output ops are supported", n.Name, port, name)
			}
			ins = append(ins, name)
			consumed[name] = true
		}
		n.Input = ins
	}
	// Topological order by depth-first search from every node.
	state := make(map[string]int) // 0 new, 1 visiting, 2 done
	var visit func(name string) error
	visit = func(name string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("graph model: cycle through %q", name)
		case 2:
			return nil
		}
		n, ok := byName[name]
		if !ok {
			return fmt.Errorf("graph model: unknown node %q", name)
		}
		state[name] = 1
		for _, in := range n.Input {
			if err := visit(in); err != nil {
				return err
			}
		}
		state[name] = 2
		switch n.Op {
		case "Const":
			if _, ok := consts[n.Name]; !ok {
				return fmt.Errorf("graph model: constant %q has no weights", n.Name)
			}
		case "Placeholder":
			m.Inputs = append(m.Inputs, n.Name)
		default:
			run, err := m.compile(n)
			if err != nil {
				return fmt.Errorf("graph model: node %q (%s): %w", n.Name, n.Op, err)
			}
			m.steps = append(m.steps, step{name: n.Name, op: n.Op, inputs: n.Input, run: run})
		}
		return nil
	}
	for i := range nodes {
		if err := visit(nodes[i].Name); err != nil {
			return nil, err
		}
		if n := &nodes[i]; !hasSignature && !consumed[n.Name] && n.Op != "Const" && n.Op != "Placeholder" {
			m.Outputs = append(m.Outputs, n.Name)
			m.nodeOf[n.Name] = n.Name
		}
	}
	if len(m.Inputs) == 0 || len(m.Outputs) == 0 {
		return nil, errors.New("graph model: no inputs or no outputs")
	}
	for _, o := range m.Outputs {
		if state[m.nodeOf[o]] != 2 {
			return nil, fmt.Errorf("graph model: output %q names no node", o)
		}
	}
	return m, nil
}

// Run executes the model. inputs maps placeholder names to tensors; the
// result maps every output name to its tensor.
func (m *GraphModel) Run(inputs map[string]*Tensor) (map[string]*Tensor, error) {
	env := make(map[string]*Tensor, len(m.steps)+len(inputs))
	for _, name := range m.Inputs {
		t, ok := inputs[name]
		if !ok {
			return nil, fmt.Errorf("graph model: missing input %q", name)
		}
		env[name] = t
	}
	args := make([]*Tensor, 0, 4)
	for _, s := range m.steps {
		args = args[:0]
		for _, in := range s.inputs {
			t, ok := env[in]
			if !ok {
				t = m.consts[in]
			}
			args = append(args, t)
		}
		out, err := s.run(args)
		if err != nil {
			return nil, fmt.Errorf("graph model: node %q (%s): %w", s.name, s.op, err)
		}
		env[s.name] = out
	}
	res := make(map[string]*Tensor, len(m.Outputs))
	for _, o := range m.Outputs {
		t, ok := env[m.nodeOf[o]]
		if !ok {
			t = m.consts[m.nodeOf[o]]
		}
		res[o] = t
	}
	return res, nil
}

func attrString(n *nodeJSON, key string) string { return string(n.Attr[key].S) }

func attrInts(n *nodeJSON, key string) []int {
	var out []int
	for _, v := range n.Attr[key].List.I {
		out = append(out, int(v))
	}
	return out
}

func fusedOps(n *nodeJSON) []string {
	var out []string
	for _, s := range n.Attr["fused_ops"].List.S {
		out = append(out, string(s))
	}
	return out
}

// want checks the argument count of a node.
func want(in []*Tensor, n int) error {
	if len(in) != n {
		return fmt.Errorf("%d inputs; want %d", len(in), n)
	}
	for _, t := range in {
		if t == nil {
			return errors.New("missing input")
		}
	}
	return nil
}

// spatial reads strides/ksize-style [1, h, w, 1] attributes, requiring the
// square, NHWC form every model here uses.
func spatial(n *nodeJSON, key string, def int) (int, error) {
	v := attrInts(n, key)
	if len(v) == 0 {
		return def, nil
	}
	if len(v) != 4 || v[0] != 1 || v[3] != 1 || v[1] != v[2] || v[1] < 1 {
		return 0, fmt.Errorf("%s %v: only square NHWC windows are supported", key, v)
	}
	return v[1], nil
}

func padding(n *nodeJSON) (Padding, error) {
	switch p := attrString(n, "padding"); p {
	case "SAME":
		return Same, nil
	case "VALID":
		return Valid, nil
	default:
		return 0, fmt.Errorf("padding %q not supported", p)
	}
}

// compile binds a node to its implementation, checking attributes once.
func (m *GraphModel) compile(n *nodeJSON) (func([]*Tensor) (*Tensor, error), error) {
	if df := attrString(n, "data_format"); df != "" && df != "NHWC" {
		return nil, fmt.Errorf("data format %q not supported", df)
	}
	if d := attrInts(n, "dilations"); len(d) > 0 && slices.ContainsFunc(d, func(v int) bool { return v != 1 }) {
		return nil, fmt.Errorf("dilations %v not supported", d)
	}
	switch n.Op {
	case "Identity":
		return func(in []*Tensor) (*Tensor, error) {
			if err := want(in, 1); err != nil {
				return nil, err
			}
			return in[0], nil
		}, nil
	case "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative":
		return m.compileConv(n)
	case "MatMul", "_FusedMatMul":
		return m.compileMatMul(n)
	case "MaxPool", "AvgPool":
		k, err := spatial(n, "ksize", 1)
		if err != nil {
			return nil, err
		}
		s, err := spatial(n, "strides", 1)
		if err != nil {
			return nil, err
		}
		p, err := padding(n)
		if err != nil {
			return nil, err
		}
		isMax := n.Op == "MaxPool"
		return func(in []*Tensor) (*Tensor, error) {
			if err := want(in, 1); err != nil {
				return nil, err
			}
			if err := isImage(in[0]); err != nil {
				return nil, err
			}
			return pool(in[0], k, s, p, isMax), nil
		}, nil
	case "Relu", "Relu6", "Sigmoid", "Tanh", "Abs", "Square", "Rsqrt", "Exp", "Neg", "Sqrt":
		f := unaryOps[n.Op]
		return func(in []*Tensor) (*Tensor, error) {
			if err := want(in, 1); err != nil {
				return nil, err
			}
			out := New(in[0].Shape...)
			for i, v := range in[0].Data {
				out.Data[i] = f(v)
			}
			return out, nil
		}, nil
	case "Add", "AddV2", "BiasAdd", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "Prelu":
		f := binaryOps[n.Op]
		return func(in []*Tensor) (*Tensor, error) {
			if err := want(in, 2); err != nil {
				return nil, err
			}
			return Binary(in[0], in[1], f)
		}, nil
	case "Softmax":
		return func(in []*Tensor) (*Tensor, error) {
			if err := want(in, 1); err != nil {
				return nil, err
			}
			return softmaxLast(in[0])
		}, nil
	case "Sum", "Mean", "Max":
		keep := n.Attr["keep_dims"].B
		op := n.Op
		return func(in []*Tensor) (*Tensor, error) {
			if err := want(in, 2); err != nil {
				return nil, err
			}
			return reduce(in[0], in[1], keep, op)
		}, nil
	case "Reshape":
		return func(in []*Tensor) (*Tensor, error) {
			if err := want(in, 2); err != nil {
				return nil, err
			}
			return reshapeTo(in[0], in[1])
		}, nil
	case "Squeeze":
		dims := attrInts(n, "squeeze_dims")
		return func(in []*Tensor) (*Tensor, error) {
			if err := want(in, 1); err != nil {
				return nil, err
			}
			return squeeze(in[0], dims)
		}, nil
	case "Pad", "PadV2":
		return func(in []*Tensor) (*Tensor, error) {
			if len(in) < 2 || in[0] == nil || in[1] == nil {
				return nil, errors.New("pad needs an input and paddings")
			}
			var v float32
			if len(in) > 2 && in[2] != nil && len(in[2].Data) > 0 {
				v = in[2].Data[0]
			}
			return padND(in[0], in[1], v)
		}, nil
	}
	return nil, fmt.Errorf("op %s not supported", n.Op)
}

func isImage(t *Tensor) error {
	if len(t.Shape) != 4 || t.Shape[0] != 1 {
		return fmt.Errorf("want a [1,H,W,C] tensor, got %v", t.Shape)
	}
	return nil
}

var unaryOps = map[string]func(float32) float32{
	"Relu":    func(x float32) float32 { return max(x, 0) },
	"Relu6":   func(x float32) float32 { return min(max(x, 0), 6) },
	"Sigmoid": func(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) },
	"Tanh":    func(x float32) float32 { return float32(math.Tanh(float64(x))) },
	"Abs":     func(x float32) float32 { return float32(math.Abs(float64(x))) },
	"Square":  func(x float32) float32 { return x * x },
	"Rsqrt":   func(x float32) float32 { return float32(1 / math.Sqrt(float64(x))) },
	"Sqrt":    func(x float32) float32 { return float32(math.Sqrt(float64(x))) },
	"Exp":     func(x float32) float32 { return float32(math.Exp(float64(x))) },
	"Neg":     func(x float32) float32 { return -x },
}

var binaryOps = map[string]func(x, y float32) float32{
	"Add":     func(x, y float32) float32 { return x + y },
	"AddV2":   func(x, y float32) float32 { return x + y },
	"BiasAdd": func(x, y float32) float32 { return x + y },
	"Sub":     func(x, y float32) float32 { return x - y },
	"Mul":     func(x, y float32) float32 { return x * y },
	"RealDiv": func(x, y float32) float32 { return x / y },
	"Maximum": func(x, y float32) float32 { return max(x, y) },
	"Minimum": func(x, y float32) float32 { return min(x, y) },
	"Prelu": func(x, a float32) float32 {
		if x < 0 {
			return a * x
		}
		return x
	},
}

// compileConv handles plain and depthwise convolutions with the fused
// BiasAdd and activation tfjs's converter folds into them.
func (m *GraphModel) compileConv(n *nodeJSON) (func([]*Tensor) (*Tensor, error), error) {
	depthwise := strings.Contains(n.Op, "Depthwise")
	stride, err := spatial(n, "strides", 1)
	if err != nil {
		return nil, err
	}
	p, err := padding(n)
	if err != nil {
		return nil, err
	}
	if len(n.Input) < 2 {
		return nil, errors.New("conv needs an input and a filter")
	}
	ft, ok := m.consts[n.Input[1]]
	if !ok {
		return nil, errors.New("conv filter is not a constant")
	}
	var f *Filter
	if depthwise {
		if len(ft.Shape) != 4 || ft.Shape[3] != 1 {
			return nil, fmt.Errorf("depthwise filter %v: only channel multiplier 1 is supported", ft.Shape)
		}
		f = &Filter{KH: ft.Shape[0], KW: ft.Shape[1], In: ft.Shape[2], Out: 1, W: ft.Data}
	} else if f, err = NewFilter(ft); err != nil {
		return nil, err
	}
	ops := fusedOps(n)
	act, hasBias, err := fusedEpilogue(ops)
	if err != nil {
		return nil, err
	}
	channels := f.Out
	if depthwise {
		channels = f.In
	}
	return func(in []*Tensor) (*Tensor, error) {
		if len(in) < 2 || in[0] == nil {
			return nil, errors.New("missing input")
		}
		x := in[0]
		if err := isImage(x); err != nil {
			return nil, err
		}
		h, w, c := x.HWC()
		if c != f.In {
			return nil, fmt.Errorf("input has %d channels; filter wants %d", c, f.In)
		}
		pads := PadsFor(p, h, w, f.KH, f.KW, stride)
		var out *Tensor
		if depthwise {
			out = DepthwiseConv2D(x, f, stride, pads)
		} else {
			out = Conv2D(x, f, stride, pads)
		}
		args := in[2:]
		if hasBias {
			if len(args) == 0 || args[0] == nil || len(args[0].Data) != channels {
				return nil, errors.New("fused bias missing or of the wrong size")
			}
			AddChannel(out, args[0].Data)
			args = args[1:]
		}
		return applyActivation(out, act, args, channels)
	}, nil
}

func (m *GraphModel) compileMatMul(n *nodeJSON) (func([]*Tensor) (*Tensor, error), error) {
	ta, tb := n.Attr["transpose_a"].B, n.Attr["transpose_b"].B
	if ta {
		return nil, errors.New("transpose_a not supported")
	}
	act, hasBias, err := fusedEpilogue(fusedOps(n))
	if err != nil {
		return nil, err
	}
	var packed *PackedB
	if len(n.Input) >= 2 {
		if b, ok := m.consts[n.Input[1]]; ok && len(b.Shape) == 2 && !tb {
			packed = PackB(b.Shape[0], b.Shape[1], b.Data)
		}
	}
	return func(in []*Tensor) (*Tensor, error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return nil, errors.New("missing input")
		}
		a, b := in[0], in[1]
		if len(a.Shape) != 2 || len(b.Shape) != 2 {
			return nil, fmt.Errorf("MatMul of %v and %v: want 2-D", a.Shape, b.Shape)
		}
		if tb {
			b = transpose2D(b)
		}
		if a.Shape[1] != b.Shape[0] {
			return nil, fmt.Errorf("MatMul of %v and %v", a.Shape, b.Shape)
		}
		out := New(a.Shape[0], b.Shape[1])
		if packed != nil {
			GemmPacked(a.Shape[0], a.Data, packed, out.Data, nil)
		} else {
			Gemm(a.Shape[0], b.Shape[1], a.Shape[1], a.Data, b.Data, out.Data)
		}
		args := in[2:]
		if hasBias {
			if len(args) == 0 || args[0] == nil || len(args[0].Data) != b.Shape[1] {
				return nil, errors.New("fused bias missing or of the wrong size")
			}
			AddChannel(out, args[0].Data)
			args = args[1:]
		}
		return applyActivation(out, act, args, b.Shape[1])
	}, nil
}

func fusedEpilogue(ops []string) (act string, bias bool, err error) {
	for i, op := range ops {
		switch {
		case op == "BiasAdd" && i == 0:
			bias = true
		case (op == "Relu" || op == "Relu6" || op == "Prelu") && i == len(ops)-1:
			act = op
		default:
			return "", false, fmt.Errorf("fused ops %v not supported", ops)
		}
	}
	return act, bias, nil
}

func applyActivation(out *Tensor, act string, args []*Tensor, channels int) (*Tensor, error) {
	switch act {
	case "":
	case "Relu":
		ReLU(out)
	case "Relu6":
		ReLU6(out)
	case "Prelu":
		if len(args) == 0 || args[0] == nil || len(args[0].Data) != channels {
			return nil, errors.New("prelu alpha missing or of the wrong size")
		}
		alpha := args[0].Data
		for i := 0; i < len(out.Data); i += channels {
			row := out.Data[i : i+channels]
			for j, v := range row {
				if v < 0 {
					row[j] = v * alpha[j]
				}
			}
		}
	}
	return out, nil
}

func transpose2D(t *Tensor) *Tensor {
	r, c := t.Shape[0], t.Shape[1]
	out := New(c, r)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out.Data[j*r+i] = t.Data[i*c+j]
		}
	}
	return out
}

// softmaxLast is tfjs's softmax over the last axis: exp(x − logSumExp(x)).
func softmaxLast(t *Tensor) (*Tensor, error) {
	if len(t.Shape) == 0 || t.Shape[len(t.Shape)-1] == 0 {
		return nil, fmt.Errorf("softmax of shape %v", t.Shape)
	}
	c := t.Shape[len(t.Shape)-1]
	out := New(t.Shape...)
	for i := 0; i < len(t.Data); i += c {
		row := t.Data[i : i+c]
		mx := slices.Max(row)
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v - mx))
		}
		lse := float32(math.Log(s)) + mx
		for j, v := range row {
			out.Data[i+j] = float32(math.Exp(float64(v - lse)))
		}
	}
	return out, nil
}

// axesOf reads a reduction-axes tensor, normalising negative axes.
func axesOf(t *Tensor, rank int) ([]bool, error) {
	red := make([]bool, rank)
	for _, v := range t.Data {
		a := int(v)
		if a < 0 {
			a += rank
		}
		if a < 0 || a >= rank {
			return nil, fmt.Errorf("axis %v out of range for rank %d", v, rank)
		}
		red[a] = true
	}
	return red, nil
}

func reduce(t, axes *Tensor, keep bool, op string) (*Tensor, error) {
	red, err := axesOf(axes, len(t.Shape))
	if err != nil {
		return nil, err
	}
	var outShape, keptShape []int
	count := 1
	for i, d := range t.Shape {
		if red[i] {
			count *= d
			keptShape = append(keptShape, 1)
			if keep {
				outShape = append(outShape, 1)
			}
			continue
		}
		keptShape = append(keptShape, d)
		outShape = append(outShape, d)
	}
	out := New(keptShape...)
	if op == "Max" {
		for i := range out.Data {
			out.Data[i] = float32(math.Inf(-1))
		}
	}
	st := broadcastStrides(keptShape, t.Shape)
	idx := make([]int, len(t.Shape))
	o := 0
	for _, v := range t.Data {
		if op == "Max" {
			out.Data[o] = max(out.Data[o], v)
		} else {
			out.Data[o] += v
		}
		for d := len(t.Shape) - 1; d >= 0; d-- {
			idx[d]++
			o += st[d]
			if idx[d] < t.Shape[d] {
				break
			}
			o -= st[d] * t.Shape[d]
			idx[d] = 0
		}
	}
	if op == "Mean" && count > 0 {
		for i := range out.Data {
			out.Data[i] /= float32(count)
		}
	}
	return out.Reshape(outShape...), nil
}

func reshapeTo(t, shape *Tensor) (*Tensor, error) {
	dims := make([]int, len(shape.Data))
	infer, known := -1, 1
	for i, v := range shape.Data {
		d := int(v)
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d >= 0:
			dims[i] = d
			known *= d
		default:
			return nil, fmt.Errorf("reshape to %v", shape.Data)
		}
	}
	if infer >= 0 {
		if known == 0 || len(t.Data)%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to %v", t.Shape, shape.Data)
		}
		dims[infer] = len(t.Data) / known
	}
	if numElements(dims) != len(t.Data) {
		return nil, fmt.Errorf("cannot reshape %v to %v", t.Shape, dims)
	}
	return t.Reshape(dims...), nil
}

func squeeze(t *Tensor, dims []int) (*Tensor, error) {
	drop := make([]bool, len(t.Shape))
	for _, d := range dims {
		if d < 0 {
			d += len(t.Shape)
		}
		if d < 0 || d >= len(t.Shape) || t.Shape[d] != 1 {
			return nil, fmt.Errorf("cannot squeeze axis %d of %v", d, t.Shape)
		}
		drop[d] = true
	}
	var out []int
	for i, d := range t.Shape {
		if (len(dims) == 0 && d == 1) || drop[i] {
			continue
		}
		out = append(out, d)
	}
	return t.Reshape(out...), nil
}

// padND pads every axis by the [before, after] pairs in paddings.
func padND(t, paddings *Tensor, v float32) (*Tensor, error) {
	r := len(t.Shape)
	if len(paddings.Data) != 2*r {
		return nil, fmt.Errorf("paddings %v for rank %d", paddings.Shape, r)
	}
	outShape := make([]int, r)
	before := make([]int, r)
	for i := range r {
		b, a := int(paddings.Data[2*i]), int(paddings.Data[2*i+1])
		if b < 0 || a < 0 || b > 1<<16 || a > 1<<16 {
			return nil, fmt.Errorf("paddings %v not supported", paddings.Data)
		}
		before[i] = b
		outShape[i] = t.Shape[i] + b + a
	}
	if n := numElementsChecked(outShape); n < 0 || n > maxWeightElements {
		return nil, fmt.Errorf("padded shape %v is too large", outShape)
	}
	out := New(outShape...)
	if v != 0 {
		for i := range out.Data {
			out.Data[i] = v
		}
	}
	if len(t.Data) == 0 {
		return out, nil
	}
	// Copy the innermost rows one at a time.
	inner := t.Shape[r-1]
	idx := make([]int, r)
	for start := 0; start < len(t.Data); start += inner {
		o := 0
		for d := 0; d < r; d++ {
			o = o*outShape[d] + idx[d] + before[d]
		}
		copy(out.Data[o:o+inner], t.Data[start:start+inner])
		for d := r - 2; d >= 0; d-- {
			idx[d]++
			if idx[d] < t.Shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out, nil
}
