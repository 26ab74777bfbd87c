package jpki

import (
	"context"
	"crypto/x509"
	"errors"
	"time"
)

// Recheck asks the revocation source again about a signing certificate that
// was verified before (現況確認: the holder may since have moved, renamed or
// lost the card, which revokes it). The chain is checked at the original
// signing time, revocation at opts' current time. A revoked certificate is a
// Result with Revocation RevocationRevoked, not an error: for a re-check the
// revocation is the news. Without a revocation source the result is
// RevocationUnchecked.
func Recheck(ctx context.Context, opts VerifyOptions, certDER []byte, signedAt time.Time) (*Result, error) {
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedCertificate, "certificate does not parse")
	}
	v, err := checkCertificate(VerifyOptions{Trust: opts.Trust, CurrentTime: signedAt}, cert)
	if err != nil {
		return nil, err
	}
	now := opts.now()
	res := &Result{Subject: v.subject, CertSerial: cert.SerialNumber.Text(16), CertSHA256: fingerprint(cert.Raw),
		Issuer: cert.Issuer.String(), NotAfter: cert.NotAfter, SignedAt: signedAt, Revocation: RevocationUnchecked, CheckedAt: now}
	if opts.Revocation == nil {
		return res, nil
	}
	ans, err := opts.Revocation.CheckRevocation(ctx, v.cert, v.issuer, now)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		res.Revocation, res.RevocationDetail = RevocationUnknown, err.Error()
		return res, nil
	}
	switch ans.Status {
	case RevocationGood, RevocationRevoked, RevocationUnknown:
	default:
		return nil, errors.New("jpki: revocation checker returned an unknown status")
	}
	res.Revocation, res.RevocationSource, res.RevocationDetail, res.RevocationAsOf = ans.Status, ans.Source, ans.Detail, ans.CheckedAt
	return res, nil
}

// SignerCertificate returns the DER of a CMS SignedData's only signer
// certificate, for re-checks of CMS submissions. It does not verify anything.
func SignerCertificate(cms []byte) ([]byte, error) {
	if len(cms) > maxCMSBytes {
		return nil, invalid(ReasonMalformedCMS, "CMS larger than %d bytes", maxCMSBytes)
	}
	p7, err := parseCMS(cms)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedCMS, "CMS does not parse")
	}
	c := p7.GetOnlySigner()
	if c == nil {
		return nil, invalid(ReasonMalformedCMS, "CMS must have exactly one signer certificate")
	}
	return c.Raw, nil
}
