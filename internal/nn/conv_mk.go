package nn

// convValidMK computes a VALID convolution (no padding) with the GEMM
// micro-kernels reading the input in place instead of through im2col. For
// output row oy and kernel row ky, the kw·c inputs under the windows of
// neighbouring outputs ox, ox+1, … start stride·c floats apart, so six of
// them form a block of A with row stride stride·c (the rows overlap when
// the windows do). Each 6-output block of C is the sum over ky of kh such
// products, accumulated in C in ky order. That is the order im2col lays the
// taps out in, so every output is the same FMA chain and the results are
// bit-identical to im2col followed by the packed GEMM. The last outputs of a
// row that do not fill a block go through a small im2col buffer.
//
// It needs n (the filter's outputs) to be a multiple of the panel width.
func convValidMK(x *Tensor, f *Filter, stride int, out *Tensor, ep *GemmEpilogue, kern microKernel, kern32 microKernel32) {
	oh := out.Shape[1]
	parallelRows(oh, oh*out.Shape[2]*f.Out*f.KH*f.KW*f.In, func(y0, y1 int) {
		convValidRowsMK(x, f, stride, out, ep, kern, kern32, y0, y1)
	})
}

// convValidRowsMK is convValidMK for output rows [y0, y1).
func convValidRowsMK(x *Tensor, f *Filter, stride int, out *Tensor, ep *GemmEpilogue, kern microKernel, kern32 microKernel32, y0, y1 int) {
	_, w, c := x.dims4()
	ow, n := out.Shape[2], f.Out
	pb := f.packed
	k := pb.K
	seg := f.KW * c // one kernel row's taps, contiguous in the input
	lda := stride * c
	full := ow / mkRows * mkRows
	var edge []float32
	if full < ow {
		bp := mkBuffer(mkRows * k)
		defer mkScratch.Put(bp)
		edge = *bp
		clear(edge)
	}
	var tmp [mkRows * 2 * mkCols]float32
	for oy := y0; oy < y1; oy++ {
		if full < ow {
			im2colRows(x.Data, w, c, f.KH, f.KW, stride, oy, full, ow, edge)
		}
		for jp := 0; jp*mkCols < n; {
			j := jp * mkCols
			panel := pb.panels[jp*k*mkCols : (jp+1)*k*mkCols]
			var panel1 []float32
			cols := mkCols
			if kern32 != nil && j+2*mkCols <= n {
				panel1 = pb.panels[(jp+1)*k*mkCols : (jp+2)*k*mkCols]
				cols = 2 * mkCols
			}
			for ox := 0; ox < full; ox += mkRows {
				o := (oy*ow+ox)*n + j
				cb := out.Data[o : o+(mkRows-1)*n+cols]
				for ky := 0; ky < f.KH; ky++ {
					s := ((oy*stride+ky)*w + ox*stride) * c
					a := x.Data[s : s+(mkRows-1)*lda+seg]
					p0 := panel[ky*seg*mkCols : (ky+1)*seg*mkCols]
					if panel1 != nil {
						kern32(seg, a, lda, p0, panel1[ky*seg*mkCols:(ky+1)*seg*mkCols], cb, n, ky > 0)
					} else {
						kern(seg, a, lda, p0, cb, n, ky > 0)
					}
				}
				if ep != nil {
					for r := 0; r < mkRows; r++ {
						ep.applyRowVec(cb[r*n:r*n+cols], j)
					}
				}
			}
			if full < ow {
				if panel1 != nil {
					kern32(k, edge, k, panel, panel1, tmp[:], cols, false)
				} else {
					kern(k, edge, k, panel, tmp[:], cols, false)
				}
				for r := 0; r < ow-full; r++ {
					o := (oy*ow+full+r)*n + j
					row := out.Data[o : o+cols]
					copy(row, tmp[r*cols:])
					if ep != nil {
						ep.applyRowVec(row, j)
					}
				}
			}
			jp += cols / mkCols
		}
	}
}

// im2colRows writes the im2col rows of outputs ox0..ox1-1 of output row oy
// (VALID, so every tap is inside the input) into dst, one row of kh·kw·c
// after another.
func im2colRows(src []float32, w, c, kh, kw, stride, oy, ox0, ox1 int, dst []float32) {
	seg := kw * c
	i := 0
	for ox := ox0; ox < ox1; ox++ {
		for ky := 0; ky < kh; ky++ {
			s := ((oy*stride+ky)*w + ox*stride) * c
			copy(dst[i:i+seg], src[s:s+seg])
			i += seg
		}
	}
}
