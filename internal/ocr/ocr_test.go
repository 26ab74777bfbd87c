package ocr

import (
	"math"
	"testing"
)

func TestParseTSV(t *testing.T) {
	tsv := "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n" +
		"1\t1\t0\t0\t0\t0\t0\t0\t100\t20\t-1\t\n" +
		"5\t1\t1\t1\t1\t1\t0\t0\t40\t20\t90.0\t石川\n" +
		"5\t1\t1\t1\t1\t2\t50\t0\t40\t20\t70.0\t千尋\n" +
		"5\t1\t1\t1\t1\t3\t95\t0\t4\t20\t95.0\t \n"
	got, conf := parseTSV([]byte(tsv))
	if got != "石川 千尋" || conf != 0.8 {
		t.Errorf("parseTSV = %q, %v; want %q, 0.8", got, conf, "石川 千尋")
	}
	if got, conf := parseTSV(nil); got != "" || conf != 0 {
		t.Errorf("empty: got %q, %v", got, conf)
	}
}

// TestParseTSVPages: rows go to their page; a page without words stays
// empty and does not shift the pages after it.
func TestParseTSVPages(t *testing.T) {
	tsv := "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n" +
		"5\t1\t1\t1\t1\t1\t0\t0\t40\t20\t90.0\t12\n" +
		"1\t2\t0\t0\t0\t0\t0\t0\t100\t20\t-1\t\n" +
		"5\t3\t1\t1\t1\t1\t0\t0\t40\t20\t60.0\tAB\n" +
		"5\t3\t1\t1\t1\t2\t0\t0\t40\t20\t80.0\tCD\n" +
		"5\t9\t1\t1\t1\t1\t0\t0\t40\t20\t80.0\tXX\n"
	got := parseTSVPages([]byte(tsv), 3)
	want := []page{{"12", 0.9}, {}, {"AB CD", 0.7}}
	for i := range want {
		if got[i].text != want[i].text || math.Abs(got[i].conf-want[i].conf) > 1e-9 {
			t.Errorf("page %d: got %+v; want %+v", i+1, got[i], want[i])
		}
	}
}
