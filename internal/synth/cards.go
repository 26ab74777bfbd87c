package synth

import "github.com/kakunin-dev/kakunin/internal/card"

// VirtualJPKICardPIN is the signing password of VirtualJPKICard's cards.
const VirtualJPKICardPIN = "ABC123"

// VirtualJPKICard is a virtual My Number card from the JPKI test PKI that a
// kakunin server trusts in test mode (JPKITestSeed); holder picks one of
// its synthetic people.
func VirtualJPKICard(holder int) (*card.VirtualJPKICard, error) {
	pki, err := NewJPKI(JPKIConfig{Seed: JPKITestSeed})
	if err != nil {
		return nil, err
	}
	cred, err := pki.Issue(JPKIGood, JPKIHolderFor(JPKITestSeed, holder))
	if err != nil {
		return nil, err
	}
	return card.NewVirtualJPKICard(card.VirtualJPKIConfig{SigningCert: cred.CertDER, SigningKey: cred.Key,
		SigningPIN: VirtualJPKICardPIN, CACert: pki.SignRootDER()})
}
