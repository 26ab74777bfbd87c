package verification

import (
	"errors"
	"slices"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

func TestStateMachine(t *testing.T) {
	all := []Status{StatusCreated, StatusAwaitingInput, StatusProcessing, StatusApproved, StatusRejected,
		StatusReview, StatusExpired, StatusCanceled}
	legal := map[[2]Status]bool{
		{StatusCreated, StatusAwaitingInput}: true, {StatusCreated, StatusProcessing}: true,
		{StatusCreated, StatusExpired}: true, {StatusCreated, StatusCanceled}: true,
		{StatusAwaitingInput, StatusProcessing}: true, {StatusAwaitingInput, StatusExpired}: true,
		{StatusAwaitingInput, StatusCanceled}: true,
		{StatusProcessing, StatusApproved}:    true, {StatusProcessing, StatusRejected}: true, {StatusProcessing, StatusReview}: true,
		{StatusReview, StatusApproved}: true, {StatusReview, StatusRejected}: true, {StatusReview, StatusCanceled}: true,
	}
	for _, from := range all {
		for _, to := range all {
			err := CheckTransition(from, to)
			if legal[[2]Status{from, to}] {
				if err != nil {
					t.Errorf("%s -> %s: got %v; want legal", from, to, err)
				}
				continue
			}
			if !errors.Is(err, errkind.ErrConflict) || errkind.Reason(err) != "invalid_transition" {
				t.Errorf("%s -> %s: got %v; want invalid_transition", from, to, err)
			}
		}
	}
	for _, s := range []Status{StatusApproved, StatusRejected, StatusExpired, StatusCanceled} {
		if !s.Terminal() {
			t.Errorf("%s: want terminal", s)
		}
	}
	if StatusReview.Terminal() || !StatusAwaitingInput.AcceptsInput() || StatusProcessing.AcceptsInput() {
		t.Error("review must not be terminal; awaiting_input accepts input, processing does not")
	}
}

func TestMissingEvidence(t *testing.T) {
	v := &Verification{Method: MethodJPKI, Face: true}
	got := MissingEvidence(v, []*Evidence{{Kind: KindSelfie}})
	if len(got) != 1 || got[0] != KindJPKISignature {
		t.Fatalf("jpki+face with a selfie: got %v; want jpki_signature", got)
	}
	if got := MissingEvidence(&Verification{Method: MethodICChip}, nil); len(got) != 2 {
		t.Fatalf("ic_chip with nothing: got %v; want chip_data and selfie", got)
	}
	if ClientKind(KindChipFace) || !ClientKind(KindSelfie) || ClientKind("passport_scan") {
		t.Fatal("client kinds: chip_face is the server's; selfie is the client's; unknown kinds are nobody's")
	}
}

// ホ under the AML and mobile phone laws needs the angled photo that shows
// the document's thickness; without a law that requires it, it stays optional.
func TestDocumentThicknessRequiredByLaw(t *testing.T) {
	have := []*Evidence{{Kind: KindDocumentFront}, {Kind: KindSelfie}}
	for law, want := range map[Law][]EvidenceKind{
		LawAML:         {KindDocumentThickness},
		LawMobilePhone: {KindDocumentThickness},
		LawNone:        nil,
	} {
		got := MissingEvidence(&Verification{Method: MethodDocumentImage, Law: law}, have)
		if !slices.Equal(got, want) {
			t.Errorf("law %s, front and selfie sent: missing %v; want %v", law, got, want)
		}
		withEdge := append(slices.Clone(have), &Evidence{Kind: KindDocumentThickness})
		if got := MissingEvidence(&Verification{Method: MethodDocumentImage, Law: law}, withEdge); len(got) != 0 {
			t.Errorf("law %s with the thickness photo: missing %v; want nothing", law, got)
		}
	}
}
