package synth

import (
	"bufio"
	"fmt"
	"image"
	"io"
	"math/rand/v2"
)

// WriteY4M writes frames as a YUV4MPEG2 video (4:2:0, full-range BT.601,
// "C420jpeg"), the format Chromium's fake camera plays from a file
// (--use-file-for-fake-video-capture). Every frame must have the first
// frame's size, with even sides. noise adds that much random jitter (in
// luma levels) to each pixel, as a real sensor would: a real camera never
// delivers two identical frames.
func WriteY4M(w io.Writer, frames []*image.RGBA, fps int, noise int, seed uint64) error {
	if len(frames) == 0 {
		return fmt.Errorf("y4m: no frames")
	}
	b := frames[0].Bounds()
	fw, fh := b.Dx(), b.Dy()
	if fw%2 != 0 || fh%2 != 0 {
		return fmt.Errorf("y4m: frame size %dx%d must be even", fw, fh)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := fmt.Fprintf(bw, "YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n", fw, fh, fps); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 0x79346d))
	y := make([]byte, fw*fh)
	u := make([]byte, fw*fh/4)
	v := make([]byte, fw*fh/4)
	for i, f := range frames {
		if f.Bounds().Dx() != fw || f.Bounds().Dy() != fh {
			return fmt.Errorf("y4m: frame %d is %v, not %dx%d", i, f.Bounds(), fw, fh)
		}
		for row := 0; row < fh; row++ {
			p := f.Pix[row*f.Stride:]
			for col := 0; col < fw; col++ {
				r, g, bl := float64(p[4*col]), float64(p[4*col+1]), float64(p[4*col+2])
				l := 0.299*r + 0.587*g + 0.114*bl
				if noise > 0 {
					l += float64(rng.IntN(2*noise+1) - noise)
				}
				y[row*fw+col] = clamp8(l)
			}
		}
		for row := 0; row < fh/2; row++ {
			for col := 0; col < fw/2; col++ {
				var r, g, bl float64
				for dy := 0; dy < 2; dy++ {
					p := f.Pix[(2*row+dy)*f.Stride+8*col:]
					r += float64(p[0]) + float64(p[4])
					g += float64(p[1]) + float64(p[5])
					bl += float64(p[2]) + float64(p[6])
				}
				r, g, bl = r/4, g/4, bl/4
				u[row*fw/2+col] = clamp8(128 - 0.168736*r - 0.331264*g + 0.5*bl)
				v[row*fw/2+col] = clamp8(128 + 0.5*r - 0.418688*g - 0.081312*bl)
			}
		}
		if _, err := bw.WriteString("FRAME\n"); err != nil {
			return err
		}
		for _, plane := range [][]byte{y, u, v} {
			if _, err := bw.Write(plane); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}
