package evalreport

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// RateBar is one error rate in a bar chart: Errors out of Count.
type RateBar struct {
	Label  string
	Errors int
	Count  int
	Bona   bool // a bona fide (genuine) rate such as BPCER, drawn in another colour
}

// Rate is Errors/Count, 0 when Count is 0.
func (b RateBar) Rate() float64 { return frac(b.Errors, b.Count) }

// RateBars draws error rates as bars (0–100 %), each labelled with its
// counts, attack types in one colour and bona fide rates in another.
func RateBars(path, title string, bars []RateBar) error {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "error rate (%)"
	p.Y.Min, p.Y.Max = 0, 105
	p.Add(plotter.NewGrid())
	attack := color.RGBA{R: 200, G: 60, B: 40, A: 255}
	bona := color.RGBA{R: 30, G: 90, B: 200, A: 255}
	names := make([]string, len(bars))
	w := vg.Points(28)
	for i, b := range bars {
		names[i] = fmt.Sprintf("%s\n%d/%d", b.Label, b.Errors, b.Count)
		v := plotter.Values{100 * b.Rate()}
		bc, err := plotter.NewBarChart(v, w)
		if err != nil {
			return err
		}
		bc.XMin = float64(i)
		bc.Color = attack
		if b.Bona {
			bc.Color = bona
		}
		bc.LineStyle.Width = 0
		p.Add(bc)
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: []plotter.XY{{X: float64(i), Y: 100*b.Rate() + 2}}, Labels: []string{fmt.Sprintf("%.1f%%", 100*b.Rate())}})
		if err != nil {
			return err
		}
		p.Add(lab)
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.7, float64(len(bars))-0.3
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return p.Save(vg.Length(max(6, 1.6*float64(len(bars))))*vg.Inch, 4.5*vg.Inch, path)
}
