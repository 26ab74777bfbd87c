package console

import (
	"strings"
	"testing"
	"time"
)

// RFC 6238 Appendix B, the SHA-1 rows: seed "12345678901234567890", 8 digits.
func TestTOTPVectors(t *testing.T) {
	seed := []byte("12345678901234567890")
	for unix, want := range map[int64]string{
		59:          "94287082",
		1111111109:  "07081804",
		1111111111:  "14050471",
		1234567890:  "89005924",
		2000000000:  "69279037",
		20000000000: "65353130",
	} {
		now := time.Unix(unix, 0)
		if got := hotp(seed, uint64(totpStep(now)), 8); got != want {
			t.Errorf("T=%d: got %s; want %s", unix, got, want)
		}
		// Six digits are the last six of the eight (both are the code mod 10^n).
		step, ok := matchTOTP(seed, want[2:], now)
		if !ok || step != totpStep(now) {
			t.Errorf("T=%d: matchTOTP(%s) = %d, %v; want %d, true", unix, want[2:], step, ok, totpStep(now))
		}
	}
}

// RFC 4226 Appendix D.
func TestHOTPVectors(t *testing.T) {
	seed := []byte("12345678901234567890")
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := hotp(seed, uint64(i), 6); got != w {
			t.Errorf("counter %d: got %s; want %s", i, got, w)
		}
	}
}

func TestMatchTOTPWindow(t *testing.T) {
	secret := newTOTPSecret()
	now := time.Unix(1_700_000_015, 0)
	cur := totpStep(now)
	tests := map[string]struct {
		step   int64
		wantOK bool
	}{
		"current step":     {cur, true},
		"one step behind":  {cur - 1, true},
		"one step ahead":   {cur + 1, true},
		"two steps behind": {cur - 2, false},
		"two steps ahead":  {cur + 2, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code := hotp(secret, uint64(tc.step), totpDigits)
			step, ok := matchTOTP(secret, code, now)
			// A code of a far step may collide with a near one (1 in 10^6 per step).
			if ok != tc.wantOK && !(ok && step != tc.step) {
				t.Fatalf("got %d, %v; want ok = %v", step, ok, tc.wantOK)
			}
			if ok && tc.wantOK && step != tc.step {
				t.Fatalf("got step %d; want %d", step, tc.step)
			}
		})
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef", " 12345"} {
		if _, ok := matchTOTP(secret, bad, now); ok {
			t.Errorf("matchTOTP(%q) accepted", bad)
		}
	}
}

func TestOTPAuthURI(t *testing.T) {
	secret := []byte("12345678901234567890")
	got := otpauthURI(secret, "rev@example.jp")
	for _, want := range []string{"otpauth://totp/Kakunin:rev@example.jp?", "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
		"issuer=Kakunin", "digits=6", "period=30", "algorithm=SHA1"} {
		if !strings.Contains(got, want) {
			t.Errorf("got %s; want it to contain %s", got, want)
		}
	}
}
