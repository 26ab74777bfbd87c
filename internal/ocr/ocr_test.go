package ocr

import "testing"

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
