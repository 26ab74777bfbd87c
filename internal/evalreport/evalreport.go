// Package evalreport writes the outputs of `kakunin eval`: the JSON report
// and the charts people read instead of it (DET curves, bar charts), drawn
// with gonum/plot.
package evalreport

import (
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// WriteJSON writes v, indented, to dir/name, creating dir.
func WriteJSON(dir, name string, v any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644)
}

// DETPoint is the error rates at one threshold.
type DETPoint struct{ Threshold, FAR, FRR float64 }

// DETCurve sweeps every distinct score as a threshold. Scores are distances:
// a pair matches when its distance is at most the threshold.
func DETCurve(genuine, impostor []float64) []DETPoint {
	g := append([]float64(nil), genuine...)
	im := append([]float64(nil), impostor...)
	sort.Float64s(g)
	sort.Float64s(im)
	all := append(append([]float64(nil), g...), im...)
	sort.Float64s(all)
	var out []DETPoint
	for i, t := range all {
		if i > 0 && all[i-1] == t {
			continue
		}
		accepted := sort.Search(len(im), func(k int) bool { return im[k] > t })
		rejected := len(g) - sort.Search(len(g), func(k int) bool { return g[k] > t })
		out = append(out, DETPoint{Threshold: t, FAR: frac(accepted, len(im)), FRR: frac(rejected, len(g))})
	}
	return out
}

func frac(a, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(a) / float64(n)
}

// DETPlot draws FRR against FAR on log axes. Rates of zero cannot sit on a
// log axis: they are drawn at the floor 1/(2n), below the smallest non-zero
// rate n pairs can show, and the axis label says so.
func DETPlot(path, title string, genuine, impostor []float64, mark *DETPoint) error {
	pts := DETCurve(genuine, impostor)
	farFloor := 1 / (2 * float64(max(len(impostor), 1)))
	frrFloor := 1 / (2 * float64(max(len(genuine), 1)))
	xy := make(plotter.XYs, 0, len(pts))
	for _, p := range pts {
		xy = append(xy, plotter.XY{X: math.Max(p.FAR, farFloor), Y: math.Max(p.FRR, frrFloor)})
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s\n%d genuine and %d impostor pairs; a rate of 0 is drawn at the axis floor 1/(2n)",
		title, len(genuine), len(impostor))
	p.X.Label.Text = "false accept rate (FAR)"
	p.Y.Label.Text = "false reject rate (FRR)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	p.X.Min, p.Y.Min = farFloor/1.5, frrFloor/1.5
	p.X.Max, p.Y.Max = 1, 1
	p.Add(plotter.NewGrid())
	line, err := plotter.NewLine(xy)
	if err != nil {
		return err
	}
	line.Color = color.RGBA{R: 30, G: 90, B: 200, A: 255}
	line.Width = vg.Points(2)
	p.Add(line)
	p.Legend.Add("DET", line)
	diag, _ := plotter.NewLine(plotter.XYs{{X: math.Min(farFloor, frrFloor), Y: math.Min(farFloor, frrFloor)}, {X: 1, Y: 1}})
	diag.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
	diag.Color = color.Gray{Y: 140}
	p.Add(diag)
	p.Legend.Add("FAR = FRR", diag)
	if mark != nil {
		sc, err := plotter.NewScatter(plotter.XYs{{X: math.Max(mark.FAR, farFloor), Y: math.Max(mark.FRR, frrFloor)}})
		if err != nil {
			return err
		}
		sc.Color = color.RGBA{R: 200, G: 40, B: 40, A: 255}
		sc.Radius = vg.Points(5)
		p.Add(sc)
		p.Legend.Add(fmt.Sprintf("default threshold %.3f", mark.Threshold), sc)
	}
	p.Legend.Top, p.Legend.Left = true, false
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(10), -vg.Points(10)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return p.Save(7*vg.Inch, 5*vg.Inch, path)
}
