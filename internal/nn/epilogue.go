package nn

// Activation is applied at the end of Epilogue.
type Activation int

// The activations Epilogue knows.
const (
	Linear Activation = iota
	Relu
	Leaky // face-api's leaky ReLU, see LeakyFaceAPI
)

// GemmEpilogue is an Epilogue that GemmPacked applies to each output tile
// while it is still in registers or cache, instead of in a separate pass.
type GemmEpilogue struct {
	Add1, Mul, Add2 []float32 // per output column; any may be nil
	Act             Activation
}

// applyRow runs the epilogue on row, which holds columns j, j+1, ….
func (e *GemmEpilogue) applyRow(row []float32, j int) {
	const a = float32(0.10000000149011612)
	if e.Add1 != nil {
		for i, v := range e.Add1[j : j+len(row)] {
			row[i] += v
		}
	}
	if e.Mul != nil {
		for i, v := range e.Mul[j : j+len(row)] {
			row[i] *= v
		}
	}
	if e.Add2 != nil {
		for i, v := range e.Add2[j : j+len(row)] {
			row[i] += v
		}
	}
	switch e.Act {
	case Relu:
		for i, v := range row {
			row[i] = max(v, 0)
		}
	case Leaky:
		for i, v := range row {
			m := v * a
			row[i] = max(v-m, 0) + m
		}
	}
}

func (e *GemmEpilogue) check(n int) {
	for _, v := range [][]float32{e.Add1, e.Mul, e.Add2} {
		if v != nil && len(v) != n {
			panic("nn: GemmEpilogue vector length differs from N")
		}
	}
}

// Epilogue applies, per channel and in one pass over x (in place):
// x = ((x + add1) · mul + add2) then the activation. Any of add1, mul, add2
// may be nil. Each step rounds to float32 exactly as the separate tfjs ops do,
// so fusing changes no result.
func Epilogue(x *Tensor, add1, mul, add2 []float32, act Activation) *Tensor {
	c := x.Shape[len(x.Shape)-1]
	for _, v := range [][]float32{add1, mul, add2} {
		if v != nil && len(v) != c {
			panic("nn: Epilogue vector length differs from the channel count")
		}
	}
	const a = float32(0.10000000149011612)
	for i := 0; i < len(x.Data); i += c {
		row := x.Data[i : i+c]
		if add1 != nil {
			for j, v := range add1[:len(row)] {
				row[j] += v
			}
		}
		if mul != nil {
			for j, v := range mul[:len(row)] {
				row[j] *= v
			}
		}
		if add2 != nil {
			for j, v := range add2[:len(row)] {
				row[j] += v
			}
		}
		switch act {
		case Relu:
			for j, v := range row {
				row[j] = max(v, 0)
			}
		case Leaky:
			for j, v := range row {
				m := v * a
				row[j] = max(v-m, 0) + m
			}
		}
	}
	return x
}
