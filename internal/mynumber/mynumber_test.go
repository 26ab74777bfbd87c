package mynumber

import "testing"

func TestCheckDigit(t *testing.T) {
	tests := map[string]struct {
		in   string
		want int
	}{
		"published example":   {"12345678901", 8},
		"remainder 0 gives 0": {"00000000000", 0},
		"too short":           {"1234567890", -1},
		"not digits":          {"1234567890A", -1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := CheckDigit(tc.in); got != tc.want {
				t.Errorf("got %d; want %d", got, tc.want)
			}
		})
	}
}

// Every single-digit change of this number is caught. (Not true of every
// number: remainders 0 and 1 share check digit 0.)
func TestValidCatchesEverySingleDigitChange(t *testing.T) {
	const good = "123456789018"
	if !Valid(good) {
		t.Fatalf("got %s invalid; want valid", good)
	}
	for i := range 12 {
		for d := byte('0'); d <= '9'; d++ {
			if d == good[i] {
				continue
			}
			b := []byte(good)
			b[i] = d
			if Valid(string(b)) {
				t.Errorf("got %s valid; want invalid (digit %d changed)", b, i)
			}
		}
	}
	for _, s := range []string{"", "12345678901", "1234567890188", "12345678901X"} {
		if Valid(s) {
			t.Errorf("got %q valid; want invalid", s)
		}
	}
}
