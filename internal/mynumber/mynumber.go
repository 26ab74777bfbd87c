// Package mynumber checks the 12-digit individual number (個人番号) of the
// My Number system: its check digit per 番号法施行規則 第5条. It never
// stores or logs a number.
package mynumber

// weights are Qn for the eleven digits left to right (n counts from the
// rightmost, so the leftmost digit has n = 11 and weight 6).
var weights = [11]int{6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2}

// CheckDigit returns the check digit for the first eleven digits, or -1
// if first11 is not eleven ASCII digits.
func CheckDigit(first11 string) int {
	if len(first11) != 11 {
		return -1
	}
	sum := 0
	for i := 0; i < 11; i++ {
		c := first11[i]
		if c < '0' || c > '9' {
			return -1
		}
		sum += int(c-'0') * weights[i]
	}
	r := sum % 11
	if r <= 1 {
		return 0
	}
	return 11 - r
}

// Valid reports whether s is twelve ASCII digits with a correct check digit.
func Valid(s string) bool {
	if len(s) != 12 {
		return false
	}
	cd := CheckDigit(s[:11])
	return cd >= 0 && s[11] == byte('0'+cd)
}
