// Package synth generates synthetic test data: a J-LIS-shaped JPKI test PKI
// today, specimen documents and virtual cards as they are added. Nothing here is
// ever trusted in production; every name and address is fictional.
package synth

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/smallstep/pkcs7"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"
)

// JPKIReferenceTime is the default "now" of a test PKI: certificates are valid
// around it, the CRL and OCSP answers are fresh at it. Tests pass it (or
// JPKI.Now) as the verifier's clock so they never depend on today.
func JPKIReferenceTime() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }

// JPKITestSeed is the seed of the test PKI a kakunin server trusts for
// test-mode verifications, and that `kakunin card jpki-face --virtual` issues
// its virtual card from. Its keys are derivable by anyone: never trust it in live mode.
const JPKITestSeed int64 = 20270401

// JPKIConfig chooses the seed and the reference time of a test PKI.
type JPKIConfig struct {
	Seed int64     // same seed, same keys, same certificates, byte for byte
	Now  time.Time // zero: JPKIReferenceTime()
}

// JPKIVariant selects the shape of an issued certificate: the good signing
// certificate or one deliberately broken way.
type JPKIVariant int

// The variants. Each bad one should make a verifier fail with one reason.
const (
	JPKIGood              JPKIVariant = iota // signing certificate as J-LIS issues it
	JPKIExpired                              // validity ended a year before Now
	JPKINotYetValid                          // validity starts after Now
	JPKIRevoked                              // good, but listed in the CRL and OCSP
	JPKIWrongKeyUsage                        // digitalSignature only (the authentication profile)
	JPKIMissingAttributes                    // SAN carries the name only
	JPKIUnknownBirthDate                     // date of birth "400000000" (unknown date)
	JPKIWrongIssuer                          // same issuer DN as the test root, other key
	JPKIAuthCertificate                      // user-authentication certificate from the auth root
)

var variantNames = map[JPKIVariant]string{
	JPKIGood: "good", JPKIExpired: "expired", JPKINotYetValid: "not_yet_valid",
	JPKIRevoked: "revoked", JPKIWrongKeyUsage: "wrong_key_usage",
	JPKIMissingAttributes: "missing_attributes", JPKIUnknownBirthDate: "unknown_birth_date",
	JPKIWrongIssuer: "wrong_issuer", JPKIAuthCertificate: "auth_certificate",
}

func (v JPKIVariant) String() string {
	if s, ok := variantNames[v]; ok {
		return s
	}
	return fmt.Sprintf("JPKIVariant(%d)", int(v))
}

// JPKIHolder is the fictional card holder written into a signing
// certificate. BirthDate is in the certificate's own form: an era digit
// followed by the Gregorian YYYYMMDD ("419900102").
type JPKIHolder struct {
	Name              string
	NameSubstitute    string // per-character substitute flags; "" = all "0"
	Sex               string // "1" or "2"
	BirthDate         string
	Address           string
	AddressSubstitute string // "" = all "0"
	Prefecture        string // subject L and CRL DP OU (ASCII)
	City              string // subject L and CRL DP CN (ASCII)
}

var fictionalHolders = []JPKIHolder{
	{Name: "見本　花子", Sex: "2", BirthDate: "419900102", Address: "テスト県見本市試験町一丁目2番3号", Prefecture: "Test-Prefecture", City: "Mihon-City"},
	{Name: "試験　太郎", Sex: "1", BirthDate: "319580731", Address: "テスト県架空郡仮町大字例456番地", Prefecture: "Test-Prefecture", City: "Kari-Town"},
	{Name: "例示　令子", Sex: "2", BirthDate: "520200229", Address: "サンプル府模擬区試作通り7-8-9", Prefecture: "Sample-Prefecture", City: "Mogi-Ward"},
	{Name: "仮名　明治", Sex: "1", BirthDate: "119110911", Address: "サンプル府模擬区旧町十番", Prefecture: "Sample-Prefecture", City: "Mogi-Ward"},
}

// JPKIHolderFor returns one of a few fictional holders, chosen by seed and
// index. Their birth dates cover the Meiji, Showa, Heisei and Reiwa codes.
func JPKIHolderFor(seed int64, i int) JPKIHolder {
	n := int64(len(fictionalHolders))
	return fictionalHolders[int(((seed+int64(i))%n+n)%n)]
}

// JPKICredential is an issued certificate with its private key: what a card
// holds.
type JPKICredential struct {
	Variant JPKIVariant
	Holder  JPKIHolder
	CertDER []byte
	Cert    *x509.Certificate
	Key     *rsa.PrivateKey
}

// SignRaw signs message as the card does: PKCS#1 v1.5 over the SHA-256
// DigestInfo.
func (c *JPKICredential) SignRaw(message []byte) ([]byte, error) {
	sum := sha256.Sum256(message)
	return rsa.SignPKCS1v15(nil, c.Key, crypto.SHA256, sum[:])
}

// JPKICMSOptions shapes a CMS SignedData made by SignCMS.
type JPKICMSOptions struct {
	Detached   bool                // leave the content out
	ExtraCerts []*x509.Certificate // add these (e.g. a rogue CA) to the certificate set
}

// SignCMS wraps content in a CMS SignedData signed with SHA-256 and signed
// attributes, the way card client libraries do it.
func (c *JPKICredential) SignCMS(content []byte, o JPKICMSOptions) ([]byte, error) {
	sd, err := pkcs7.NewSignedData(content)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSigner(c.Cert, c.Key, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, err
	}
	for _, ca := range o.ExtraCerts {
		sd.AddCertificate(ca)
	}
	if o.Detached {
		sd.Detach()
	}
	return sd.Finish()
}

type jpkiCA struct {
	cert *x509.Certificate
	der  []byte
	key  *rsa.PrivateKey
}

// JPKI is a test PKI shaped like J-LIS's: a signing root, a user
// authentication root, a rogue root that copies the signing root's name, a
// CRL and an OCSP responder for the signing root. It is safe for concurrent
// use.
type JPKI struct {
	seed  int64
	now   time.Time
	sign  jpkiCA
	auth  jpkiCA
	rogue jpkiCA

	mu      sync.Mutex
	next    int64
	issued  map[string]bool      // serial (hex) issued by the signing root
	revoked map[string]time.Time // serial (hex) -> revocation time
}

// NewJPKI builds the roots. It derives every key from cfg.Seed, so it costs
// some tens of milliseconds per key; share one PKI across a test package.
func NewJPKI(cfg JPKIConfig) (*JPKI, error) {
	now := cfg.Now
	if now.IsZero() {
		now = JPKIReferenceTime()
	}
	p := &JPKI{seed: cfg.Seed, now: now.UTC(), next: 1, issued: map[string]bool{}, revoked: map[string]time.Time{}}
	var err error
	if p.sign, err = p.newRoot("sign-root", "JPKI for digital signature", 1); err != nil {
		return nil, err
	}
	if p.auth, err = p.newRoot("auth-root", "JPKI for user authentication", 2); err != nil {
		return nil, err
	}
	if p.rogue, err = p.newRoot("rogue-root", "JPKI for digital signature", 3); err != nil {
		return nil, err
	}
	return p, nil
}

// Now is the PKI's reference time.
func (p *JPKI) Now() time.Time { return p.now }

// SignRoot is the test signing root (O=JPKI-TEST, OU=JPKI for digital signature).
func (p *JPKI) SignRoot() *x509.Certificate { return p.sign.cert }

// SignRootDER is the DER of SignRoot.
func (p *JPKI) SignRootDER() []byte { return p.sign.der }

// AuthRoot is the test user-authentication root.
func (p *JPKI) AuthRoot() *x509.Certificate { return p.auth.cert }

// AuthRootDER is the DER of AuthRoot.
func (p *JPKI) AuthRootDER() []byte { return p.auth.der }

// RogueRoot has the signing root's name and another key: what an attacker
// who copies the issuer name would present.
func (p *JPKI) RogueRoot() *x509.Certificate { return p.rogue.cert }

// JPKIFingerprint is the lowercase hex SHA-256 of a certificate's DER, the form
// trust stores pin.
func JPKIFingerprint(der []byte) string {
	s := sha256.Sum256(der)
	return hex.EncodeToString(s[:])
}

var (
	oidCountry  = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidOrg      = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOrgUnit  = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidLocality = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidCN       = asn1.ObjectIdentifier{2, 5, 4, 3}

	oidExtSAN   = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtCRLDP = asn1.ObjectIdentifier{2, 5, 29, 31}

	oidJPKIName        = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 1}
	oidJPKINameSubst   = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 2}
	oidJPKISex         = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 3}
	oidJPKIBirthDate   = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 4}
	oidJPKIAddress     = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 5}
	oidJPKIAddrSubst   = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 6}
	oidJPKISignPolicy  = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 1, 1, 20}
	oidJPKIAuthPolicy  = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 1, 3, 30}
	jpkiTestRootOrgJPN = "公的個人認証サービス(TEST)"
)

// rdnSeq builds a DN with one attribute per RDN, in order, as J-LIS does
// (pkix.Name would merge repeated OU or L values into one RDN).
func rdnSeq(pairs ...any) ([]byte, error) {
	var seq pkix.RDNSequence
	for i := 0; i+1 < len(pairs); i += 2 {
		seq = append(seq, pkix.RelativeDistinguishedNameSET{{Type: pairs[i].(asn1.ObjectIdentifier), Value: pairs[i+1]}})
	}
	return asn1.Marshal(seq)
}

func utf8Value(s string) asn1.RawValue {
	return asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(s)}
}

func (p *JPKI) rootName(ou string) ([]byte, error) {
	return rdnSeq(oidCountry, "JP", oidOrg, "JPKI-TEST", oidOrgUnit, ou, oidOrgUnit, "TEST ONLY")
}

func (p *JPKI) newRoot(label, ou string, serial int64) (jpkiCA, error) {
	key, err := deterministicRSAKey(p.seed, label)
	if err != nil {
		return jpkiCA{}, err
	}
	name, err := p.rootName(ou)
	if err != nil {
		return jpkiCA{}, err
	}
	san, err := directoryNameSAN(jpkiTestRootOrgJPN)
	if err != nil {
		return jpkiCA{}, err
	}
	dp, err := crlDPExtension(name)
	if err != nil {
		return jpkiCA{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		RawSubject:            name,
		NotBefore:             p.now.AddDate(-1, 0, 0),
		NotAfter:              p.now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SignatureAlgorithm:    x509.SHA256WithRSA,
		ExtraExtensions:       []pkix.Extension{san, dp},
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return jpkiCA{}, fmt.Errorf("synth: root %s: %w", label, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return jpkiCA{}, err
	}
	return jpkiCA{cert: cert, der: der, key: key}, nil
}

// directoryNameSAN is the roots' SAN: DirName C=JP, O=<org>.
func directoryNameSAN(org string) (pkix.Extension, error) {
	name, err := rdnSeq(oidCountry, "JP", oidOrg, utf8Value(org))
	if err != nil {
		return pkix.Extension{}, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(name) })
	})
	v, err := b.Bytes()
	return pkix.Extension{Id: oidExtSAN, Value: v}, err
}

// crlDPExtension is a CRL distribution point whose full name is a
// directoryName: J-LIS publishes no HTTP URL.
func crlDPExtension(dirName []byte) (pkix.Extension, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // CRLDistributionPoints
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // DistributionPoint
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { // distributionPoint
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { // fullName
					b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(dirName) })
				})
			})
		})
	})
	v, err := b.Bytes()
	return pkix.Extension{Id: oidExtCRLDP, Value: v}, err
}

// JPKIOtherName is one SAN otherName entry; Tag is the ASN.1 universal tag of
// the value (UTF8String for J-LIS).
type JPKIOtherName struct {
	OID   asn1.ObjectIdentifier
	Value string
	Tag   int
}

// JPKISANOtherNames are the otherName entries a good signing certificate
// carries for h, in J-LIS order.
func JPKISANOtherNames(h JPKIHolder) []JPKIOtherName {
	subst := func(flags, s string) string {
		if flags != "" {
			return flags
		}
		return strings.Repeat("0", utf8.RuneCountInString(s))
	}
	return []JPKIOtherName{
		{OID: oidJPKIName, Value: h.Name},
		{OID: oidJPKINameSubst, Value: subst(h.NameSubstitute, h.Name)},
		{OID: oidJPKISex, Value: h.Sex},
		{OID: oidJPKIBirthDate, Value: h.BirthDate},
		{OID: oidJPKIAddress, Value: h.Address},
		{OID: oidJPKIAddrSubst, Value: subst(h.AddressSubstitute, h.Address)},
	}
}

// MarshalJPKISAN encodes otherNames as a subjectAltName extension value:
// SEQUENCE OF [0] { OID, [0] EXPLICIT value }. Tests use it to build
// malformed SANs for the parser.
func MarshalJPKISAN(names []JPKIOtherName) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, n := range names {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(n.OID)
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					tag := n.Tag
					if tag == 0 {
						tag = asn1.TagUTF8String
					}
					b.AddASN1(cbasn1.Tag(tag), func(b *cryptobyte.Builder) { b.AddBytes([]byte(n.Value)) })
				})
			})
		}
	})
	return b.Bytes()
}

// Issue issues a certificate of variant v for holder h. A JPKIRevoked
// certificate is revoked at once (an hour before Now).
func (p *JPKI) Issue(v JPKIVariant, h JPKIHolder) (*JPKICredential, error) {
	p.mu.Lock()
	serial := p.next
	p.next++
	p.mu.Unlock()

	key, err := deterministicRSAKey(p.seed, fmt.Sprintf("ee/%d", serial))
	if err != nil {
		return nil, err
	}
	subject, err := rdnSeq(oidCountry, "JP", oidLocality, h.Prefecture, oidLocality, h.City,
		oidCN, opaqueCN(p.seed, serial))
	if err != nil {
		return nil, err
	}
	dpName, err := rdnSeq(oidCountry, "JP", oidOrg, "JPKI-TEST", oidOrgUnit, "JPKI for digital signature",
		oidOrgUnit, "CRL Distribution Points", oidOrgUnit, h.Prefecture, oidCN, h.City)
	if err != nil {
		return nil, err
	}
	dp, err := crlDPExtension(dpName)
	if err != nil {
		return nil, err
	}
	issuer := p.sign
	others := JPKISANOtherNames(h)
	tmpl := &x509.Certificate{
		SerialNumber:       new(big.Int).SetInt64(0x1000000 + serial),
		RawSubject:         subject,
		NotBefore:          p.now.AddDate(0, 0, -30),
		NotAfter:           p.now.AddDate(5, 0, -30),
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		SignatureAlgorithm: x509.SHA256WithRSA,
		PolicyIdentifiers:  []asn1.ObjectIdentifier{oidJPKISignPolicy},
	}
	switch v {
	case JPKIGood, JPKIRevoked:
	case JPKIExpired:
		tmpl.NotBefore, tmpl.NotAfter = p.now.AddDate(-6, 0, 0), p.now.AddDate(-1, 0, 0)
	case JPKINotYetValid:
		tmpl.NotBefore, tmpl.NotAfter = p.now.AddDate(0, 0, 30), p.now.AddDate(5, 0, 30)
	case JPKIWrongKeyUsage:
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	case JPKIMissingAttributes:
		others = others[:2]
	case JPKIUnknownBirthDate:
		others[3].Value = "400000000"
	case JPKIWrongIssuer:
		issuer = p.rogue
	case JPKIAuthCertificate:
		issuer = p.auth
		others = nil
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.PolicyIdentifiers = []asn1.ObjectIdentifier{oidJPKIAuthPolicy}
	default:
		return nil, fmt.Errorf("synth: unknown variant %v", v)
	}
	tmpl.ExtraExtensions = []pkix.Extension{dp}
	if others != nil {
		san, err := MarshalJPKISAN(others)
		if err != nil {
			return nil, err
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidExtSAN, Value: san})
	}
	der, err := x509.CreateCertificate(nil, tmpl, issuer.cert, &key.PublicKey, issuer.key)
	if err != nil {
		return nil, fmt.Errorf("synth: issue %v: %w", v, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if issuer.cert == p.sign.cert {
		p.mu.Lock()
		p.issued[cert.SerialNumber.Text(16)] = true
		p.mu.Unlock()
	}
	if v == JPKIRevoked {
		p.Revoke(cert.SerialNumber, p.now.Add(-time.Hour))
	}
	return &JPKICredential{Variant: v, Holder: h, CertDER: der, Cert: cert, Key: key}, nil
}

// opaqueCN is the subject CN: a serial-like value, never the holder's name.
func opaqueCN(seed, serial int64) string {
	s := sha256.Sum256(fmt.Appendf(nil, "cn/%d/%d", seed, serial))
	return strings.ToUpper(hex.EncodeToString(s[:8]))
}

// Revoke puts serial on the signing root's CRL and OCSP answers.
func (p *JPKI) Revoke(serial *big.Int, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revoked[serial.Text(16)] = at
}

// CRL returns the signing root's current CRL (DER), fresh at Now: issued an
// hour before, next update a day after.
func (p *JPKI) CRL() ([]byte, error) { return p.CRLAt(p.now) }

// CRLAt is the same CRL issued at another time; a server in test mode uses it
// to check test certificates against a CRL that is fresh at the real time.
func (p *JPKI) CRLAt(now time.Time) ([]byte, error) {
	p.mu.Lock()
	var entries []x509.RevocationListEntry
	for s, at := range p.revoked {
		n, _ := new(big.Int).SetString(s, 16)
		entries = append(entries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: at})
	}
	p.mu.Unlock()
	// Sort for byte-stable output.
	for i := 1; i < len(entries); i++ {
		for j := i; j > 0 && entries[j].SerialNumber.Cmp(entries[j-1].SerialNumber) < 0; j-- {
			entries[j], entries[j-1] = entries[j-1], entries[j]
		}
	}
	tmpl := &x509.RevocationList{
		Number:                    big.NewInt(now.Unix()),
		ThisUpdate:                now.Add(-time.Hour),
		NextUpdate:                now.Add(24 * time.Hour),
		RevokedCertificateEntries: entries,
		SignatureAlgorithm:        x509.SHA256WithRSA,
	}
	return x509.CreateRevocationList(nil, tmpl, p.sign.cert, p.sign.key)
}

// CRLHandler serves CRL() on GET.
func (p *JPKI) CRLHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		der, err := p.CRL()
		if err != nil {
			http.Error(w, "crl unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-crl")
		_, _ = w.Write(der)
	})
}

// OCSPHandler is an RFC 6960 responder for the signing root: POST with an
// application/ocsp-request body, or GET with the base64 request as the last
// path segment. Answers are signed by the root itself and fresh at Now.
func (p *JPKI) OCSPHandler() http.Handler {
	h, _ := p.OCSPHandlerWith(JPKIOCSPOptions{})
	return h
}

// JPKIOCSPOptions select how the OCSP responder signs.
type JPKIOCSPOptions struct {
	// Delegated signs answers with a responder certificate issued by the
	// signing root (RFC 6960 §4.2.2.2) instead of the root's own key.
	Delegated bool
	// OmitOCSPSigning leaves id-kp-OCSPSigning out of the delegated
	// responder's certificate: answers a client must refuse.
	OmitOCSPSigning bool
}

// OCSPHandlerWith is OCSPHandler with a choice of signer.
func (p *JPKI) OCSPHandlerWith(o JPKIOCSPOptions) (http.Handler, error) {
	signer := ocspSigner{cert: p.sign.cert, key: p.sign.key}
	if o.Delegated {
		var err error
		if signer, err = p.ocspResponder(o.OmitOCSPSigning); err != nil {
			return nil, err
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var raw []byte
		var err error
		switch r.Method {
		case http.MethodPost:
			raw, err = io.ReadAll(io.LimitReader(r.Body, 64<<10))
		case http.MethodGet:
			seg := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
			raw, err = base64.StdEncoding.DecodeString(strings.ReplaceAll(seg, "%2B", "+"))
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		if err != nil {
			_, _ = w.Write(ocsp.MalformedRequestErrorResponse)
			return
		}
		resp, err := p.ocspAnswer(raw, signer)
		if err != nil {
			_, _ = w.Write(ocsp.MalformedRequestErrorResponse)
			return
		}
		_, _ = w.Write(resp)
	}), nil
}

type ocspSigner struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

// ocspResponder issues a delegated OCSP responder certificate under the
// signing root.
func (p *JPKI) ocspResponder(omitEKU bool) (ocspSigner, error) {
	key, err := deterministicRSAKey(p.seed, "ocsp-responder")
	if err != nil {
		return ocspSigner{}, err
	}
	name, err := rdnSeq(oidCountry, "JP", oidOrg, "JPKI-TEST", oidCN, "OCSP Responder")
	if err != nil {
		return ocspSigner{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:       big.NewInt(0x0C5F),
		RawSubject:         name,
		NotBefore:          p.now.AddDate(0, -1, 0),
		NotAfter:           p.now.AddDate(0, 6, 0),
		KeyUsage:           x509.KeyUsageDigitalSignature,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
	if omitEKU {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(nil, tmpl, p.sign.cert, &key.PublicKey, p.sign.key)
	if err != nil {
		return ocspSigner{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return ocspSigner{}, err
	}
	return ocspSigner{cert: cert, key: key}, nil
}

func (p *JPKI) ocspAnswer(raw []byte, signer ocspSigner) ([]byte, error) {
	req, err := ocsp.ParseRequest(raw)
	if err != nil {
		return nil, err
	}
	if !req.HashAlgorithm.Available() {
		return nil, errors.New("unsupported hash")
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(p.sign.cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil, err
	}
	h := req.HashAlgorithm.New()
	h.Write(spki.PublicKey.RightAlign())
	if string(h.Sum(nil)) != string(req.IssuerKeyHash) {
		return ocsp.UnauthorizedErrorResponse, nil
	}
	tmpl := ocsp.Response{
		SerialNumber: req.SerialNumber,
		Certificate:  signer.cert,
		ThisUpdate:   p.now.Add(-time.Hour),
		NextUpdate:   p.now.Add(24 * time.Hour),
		IssuerHash:   req.HashAlgorithm,
	}
	key := req.SerialNumber.Text(16)
	p.mu.Lock()
	at, revoked := p.revoked[key]
	issued := p.issued[key]
	p.mu.Unlock()
	switch {
	case revoked:
		tmpl.Status = ocsp.Revoked
		tmpl.RevokedAt = at
		tmpl.RevocationReason = ocsp.AffiliationChanged
	case issued:
		tmpl.Status = ocsp.Good
	default:
		tmpl.Status = ocsp.Unknown
	}
	if signer.cert == p.sign.cert {
		tmpl.Certificate = nil // signed by the issuer: no certificate to enclose
	}
	return ocsp.CreateResponse(p.sign.cert, signer.cert, tmpl, signer.key)
}
