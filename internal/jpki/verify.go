package jpki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/smallstep/pkcs7"
)

// VerifyOptions configure a verification. Like x509.VerifyOptions, the
// clock is a field, so tests of expiry never depend on today.
type VerifyOptions struct {
	// Trust holds the pinned roots. Required: ProductionRoots() in
	// production, a store of synth test roots in tests.
	Trust *TrustStore
	// CurrentTime is the signing time: the certificate must be valid then,
	// and revocation is asked about it. For a signature bound to a
	// server nonce it is the time the signature arrived. Zero: time.Now().
	CurrentTime time.Time
	// Revocation answers whether the certificate is revoked. Nil: the
	// result says RevocationUnchecked, which the AML law does not accept.
	Revocation RevocationChecker
}

func (o VerifyOptions) now() time.Time {
	if o.CurrentTime.IsZero() {
		return time.Now()
	}
	return o.CurrentTime
}

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 15}

// verified is a certificate that passed every check but revocation.
type verified struct {
	cert    *x509.Certificate
	issuer  *x509.Certificate
	subject Subject
	at      time.Time
}

// VerifySignature verifies a raw signature as the card returns it:
// RSASSA-PKCS1-v1_5 over the SHA-256 DigestInfo of message, made with the key
// of the signing certificate certDER (DER). It checks, in order: the
// certificate parses, its key is RSA-2048 or stronger, it chains to a pinned
// root at the signing time, its key usage is the signing profile's, its four
// attributes parse, the signature verifies, and finally revocation. A failed
// check is an *InvalidError.
func VerifySignature(ctx context.Context, opts VerifyOptions, certDER, signature, message []byte) (*Result, error) {
	v, err := verifyRaw(opts, certDER, signature, message)
	if err != nil {
		return nil, err
	}
	return finish(ctx, opts, v)
}

func verifyRaw(opts VerifyOptions, certDER, signature, message []byte) (*verified, error) {
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedCertificate, "certificate does not parse")
	}
	v, err := checkCertificate(opts, cert)
	if err != nil {
		return nil, err
	}
	pub := cert.PublicKey.(*rsa.PublicKey) // checkCertificate ensured RSA
	if len(signature) != pub.Size() {
		return nil, invalid(ReasonBadSignature, "signature is %d bytes; the key needs %d", len(signature), pub.Size())
	}
	sum := sha256.Sum256(message)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], signature); err != nil {
		return nil, invalidWrap(err, ReasonBadSignature, "signature does not verify")
	}
	return v, nil
}

// checkCertificate runs every certificate check except revocation.
func checkCertificate(opts VerifyOptions, cert *x509.Certificate) (*verified, error) {
	if opts.Trust == nil {
		return nil, errors.New("jpki: VerifyOptions.Trust is nil")
	}
	at := opts.now()
	if pub, ok := cert.PublicKey.(*rsa.PublicKey); !ok || pub.N.BitLen() < 2048 {
		return nil, invalid(ReasonUnsupportedKey, "signing key is not RSA-2048 or stronger")
	}
	chain, err := opts.Trust.verifyChain(cert, at)
	if err != nil {
		var ce x509.CertificateInvalidError
		if errors.As(err, &ce) && ce.Reason == x509.Expired {
			return nil, invalidWrap(err, ReasonExpired, "certificate not valid at %s", at.UTC().Format(time.RFC3339))
		}
		return nil, invalidWrap(err, ReasonUntrustedChain, "certificate does not chain to a pinned root")
	}
	if err := checkKeyUsage(cert); err != nil {
		return nil, err
	}
	subject, err := ParseSubject(cert)
	if err != nil {
		return nil, err
	}
	issuer := chain[0]
	if len(chain) > 1 {
		issuer = chain[1]
	}
	return &verified{cert: cert, issuer: issuer, subject: subject, at: at}, nil
}

// checkKeyUsage enforces the signing certificate profile: a critical key
// usage with digitalSignature and nonRepudiation, and no CA powers.
func checkKeyUsage(cert *x509.Certificate) error {
	critical := false
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oidExtKeyUsage) {
			critical = ext.Critical
		}
	}
	const want = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	switch {
	case !critical:
		return invalid(ReasonWrongKeyUsage, "key usage absent or not critical")
	case cert.KeyUsage&want != want:
		return invalid(ReasonWrongKeyUsage, "key usage lacks digitalSignature or nonRepudiation")
	case cert.IsCA || cert.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0:
		return invalid(ReasonWrongKeyUsage, "end-entity certificate has CA powers")
	}
	return nil
}

// finish checks revocation and builds the result.
func finish(ctx context.Context, opts VerifyOptions, v *verified) (*Result, error) {
	res := &Result{
		Subject:    v.subject,
		CertSerial: v.cert.SerialNumber.Text(16),
		CertSHA256: fingerprint(v.cert.Raw),
		Issuer:     v.cert.Issuer.String(),
		NotAfter:   v.cert.NotAfter,
		SignedAt:   v.at,
		Revocation: RevocationUnchecked,
		CheckedAt:  v.at,
	}
	if opts.Revocation == nil {
		return res, nil
	}
	ans, err := opts.Revocation.CheckRevocation(ctx, v.cert, v.issuer, v.at)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The signature is good; a revocation source that cannot answer
		// leaves the status open for a later re-check instead of failing a
		// verification whose nonce is already spent.
		res.Revocation = RevocationUnknown
		res.RevocationDetail = err.Error()
		return res, nil
	}
	res.Revocation = ans.Status
	res.RevocationSource = ans.Source
	res.RevocationDetail = ans.Detail
	res.RevocationAsOf = ans.CheckedAt
	switch ans.Status {
	case RevocationRevoked:
		return nil, invalid(ReasonRevoked, "certificate %s revoked (source %s)", res.CertSerial, ans.Source)
	case RevocationGood, RevocationUnknown:
		return res, nil
	default:
		return nil, fmt.Errorf("jpki: revocation checker returned status %q", ans.Status)
	}
}

// maxCMSBytes bounds a CMS submission: a certificate and a signature, with
// room for a few extra certificates.
const maxCMSBytes = 64 << 10

var (
	oidSHA256           = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidRSAEncryption    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	errCMSParserPanic   = errors.New("CMS parser panicked")
	errCMSNoSignerCert  = errors.New("signer certificate not in the CMS")
	errCMSSignerCount   = errors.New("CMS must have exactly one signer")
	errCMSAlgorithm     = errors.New("CMS signer does not use SHA-256 with RSA")
	errCMSContentAbsent = errors.New("no content to verify")
)

// VerifyCMS verifies a CMS SignedData (DER) made with a JPKI signing key over
// content. A detached CMS is checked against content; an embedded one must
// embed exactly content (else ReasonPayloadMismatch). The signer certificate
// comes from the CMS and gets every check VerifySignature makes; any other
// certificate in the CMS is ignored, so a CA the client sends is never
// trusted.
func VerifyCMS(ctx context.Context, opts VerifyOptions, cms, content []byte) (*Result, error) {
	v, err := verifyCMS(opts, cms, content)
	if err != nil {
		return nil, err
	}
	return finish(ctx, opts, v)
}

func parseCMS(cms []byte) (p7 *pkcs7.PKCS7, err error) {
	defer func() {
		if r := recover(); r != nil {
			p7, err = nil, errCMSParserPanic
		}
	}()
	return pkcs7.Parse(cms)
}

func verifyCMS(opts VerifyOptions, cms, content []byte) (*verified, error) {
	if content == nil {
		return nil, invalidWrap(errCMSContentAbsent, ReasonPayloadMismatch, "no expected content given")
	}
	if len(cms) > maxCMSBytes {
		return nil, invalid(ReasonMalformedCMS, "CMS larger than %d bytes", maxCMSBytes)
	}
	p7, err := parseCMS(cms)
	if err != nil {
		return nil, invalidWrap(err, ReasonMalformedCMS, "CMS does not parse")
	}
	if len(p7.Signers) != 1 {
		return nil, invalidWrap(errCMSSignerCount, ReasonMalformedCMS, "%d signers", len(p7.Signers))
	}
	si := p7.Signers[0]
	if !si.DigestAlgorithm.Algorithm.Equal(oidSHA256) ||
		!(si.DigestEncryptionAlgorithm.Algorithm.Equal(oidRSAEncryption) || si.DigestEncryptionAlgorithm.Algorithm.Equal(oidSHA256WithRSA)) {
		return nil, invalidWrap(errCMSAlgorithm, ReasonMalformedCMS, "digest %s, signature %s",
			si.DigestAlgorithm.Algorithm, si.DigestEncryptionAlgorithm.Algorithm)
	}
	ee := p7.GetOnlySigner()
	if ee == nil {
		return nil, invalidWrap(errCMSNoSignerCert, ReasonMalformedCMS, "signer certificate missing")
	}
	if len(p7.Content) == 0 {
		p7.Content = content
	} else if !bytes.Equal(p7.Content, content) {
		return nil, invalid(ReasonPayloadMismatch, "embedded content differs from the expected payload")
	}
	v, err := checkCertificate(opts, ee)
	if err != nil {
		return nil, err
	}
	if err := verifyCMSSignature(p7); err != nil {
		return nil, err
	}
	return v, nil
}

func verifyCMSSignature(p7 *pkcs7.PKCS7) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = invalidWrap(errCMSParserPanic, ReasonMalformedCMS, "CMS verification panicked")
		}
	}()
	// A nil trust store makes pkcs7 check only the signature (and the
	// messageDigest attribute); the chain was checked against our own
	// pinned roots already.
	err = p7.Verify()
	if err == nil {
		return nil
	}
	var md *pkcs7.MessageDigestMismatchError
	var st *pkcs7.SigningTimeNotValidError
	switch {
	case errors.As(err, &md):
		return invalidWrap(err, ReasonPayloadMismatch, "CMS messageDigest does not match the payload")
	case errors.As(err, &st):
		return invalidWrap(err, ReasonExpired, "CMS signingTime outside the certificate's validity")
	default:
		return invalidWrap(err, ReasonBadSignature, "CMS signature does not verify")
	}
}
