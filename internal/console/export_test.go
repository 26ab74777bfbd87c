package console

import "time"

// TOTPCode is the six-digit code of secret at t, for the black-box tests.
func TOTPCode(secret []byte, t time.Time) string {
	return hotp(secret, uint64(totpStep(t)), totpDigits)
}
