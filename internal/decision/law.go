package decision

import (
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

var jst = time.FixedZone("JST", 9*60*60)

// Abolition is a date from which a law no longer accepts a method.
type Abolition struct {
	Law    verification.Law
	Method verification.Method
	From   time.Time // in force from this instant (00:00 JST)
	Rule   string    // stable code
	Source string    // the provision, for the explanation
}

// Abolitions are the method cut-offs kakunin enforces.
var Abolitions = []Abolition{
	{Law: verification.LawAML, Method: verification.MethodDocumentImage,
		From: time.Date(2027, 4, 1, 0, 0, 0, 0, jst), Rule: "aml_image_method_abolished",
		Source: "犯収法施行規則 6条1項1号ホ (photo of ID + selfie) is abolished for online checks from 2027-04-01"},
	{Law: verification.LawMobilePhone, Method: verification.MethodDocumentImage,
		From: time.Date(2026, 4, 1, 0, 0, 0, 0, jst), Rule: "mobile_phone_image_method_abolished",
		Source: "携帯電話不正利用防止法: ID image upload is not accepted for contracts from 2026-04-01"},
}

// MethodAllowed refuses a method that the law no longer accepts at the
// verification's creation time, naming the rule and the date.
func MethodAllowed(law verification.Law, m verification.Method, at time.Time) error {
	for _, a := range Abolitions {
		if a.Law == law && a.Method == m && !at.Before(a.From) {
			return errkind.New(errkind.ErrInvalid, "method_not_accepted_by_law",
				"%s: %s (rule %s, in force from %s)", law, a.Source, a.Rule, a.From.Format("2006-01-02"))
		}
	}
	return nil
}
