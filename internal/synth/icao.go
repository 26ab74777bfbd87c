package synth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/big"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/kakunin-dev/kakunin/internal/chip"
	"github.com/kakunin-dev/kakunin/internal/mrz"
)

// ChipReferenceTime is the default "now" of the chip test PKIs: every good
// certificate is valid at it. Tests pass it as the verifier's clock.
func ChipReferenceTime() time.Time { return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) }

// ICAO is a test passport PKI: a Japanese-shaped CSCA (ECDSA P-384) with a
// Document Signer (ECDSA P-256), plus a rogue CSCA with the same name and
// another key, for "wrong signer" variants. Keys derive from the seed.
type ICAO struct {
	seed       int64
	now        time.Time
	csca       *x509.Certificate
	cscaKey    *ecdsa.PrivateKey
	dsc        *x509.Certificate
	dscKey     *ecdsa.PrivateKey
	expiredDSC *x509.Certificate
	rogueDSC   *x509.Certificate
	rogueKey   *ecdsa.PrivateKey
	revoked    []*big.Int
}

// NewICAO builds the test passport PKI for seed, valid around now (zero:
// ChipReferenceTime).
func NewICAO(seed int64, now time.Time) (*ICAO, error) {
	if now.IsZero() {
		now = ChipReferenceTime()
	}
	p := &ICAO{seed: seed, now: now}
	var err error
	if p.cscaKey, err = deterministicECKey(seed, "icao/csca", elliptic.P384()); err != nil {
		return nil, err
	}
	if p.dscKey, err = deterministicECKey(seed, "icao/dsc", elliptic.P256()); err != nil {
		return nil, err
	}
	rogueCSCAKey, err := deterministicECKey(seed, "icao/rogue-csca", elliptic.P384())
	if err != nil {
		return nil, err
	}
	if p.rogueKey, err = deterministicECKey(seed, "icao/rogue-dsc", elliptic.P256()); err != nil {
		return nil, err
	}
	cscaName := pkix.Name{Country: []string{"JP"}, Organization: []string{"Kakunin Synthetic (TEST ONLY)"}, CommonName: "e-passportCSCA TEST"}
	if p.csca, err = caCert(cscaName, p.cscaKey, p.cscaKey, nil, 1, now.AddDate(-3, 0, 0), now.AddDate(12, 0, 0)); err != nil {
		return nil, err
	}
	rogueCSCA, err := caCert(cscaName, rogueCSCAKey, rogueCSCAKey, nil, 1, now.AddDate(-3, 0, 0), now.AddDate(12, 0, 0))
	if err != nil {
		return nil, err
	}
	dscName := pkix.Name{Country: []string{"JP"}, Organization: []string{"Kakunin Synthetic (TEST ONLY)"}, CommonName: "Document Signer TEST"}
	if p.dsc, err = dscCert(dscName, &p.dscKey.PublicKey, p.csca, p.cscaKey, 10, now.AddDate(0, -6, 0), now.AddDate(10, 0, 0)); err != nil {
		return nil, err
	}
	if p.expiredDSC, err = dscCert(dscName, &p.dscKey.PublicKey, p.csca, p.cscaKey, 11, now.AddDate(-11, 0, 0), now.AddDate(0, 0, -1)); err != nil {
		return nil, err
	}
	if p.rogueDSC, err = dscCert(dscName, &p.rogueKey.PublicKey, rogueCSCA, rogueCSCAKey, 10, now.AddDate(0, -6, 0), now.AddDate(10, 0, 0)); err != nil {
		return nil, err
	}
	return p, nil
}

// CSCA is the test Country Signing CA certificate.
func (p *ICAO) CSCA() *x509.Certificate { return p.csca }

// Now is the reference time the PKI was built around.
func (p *ICAO) Now() time.Time { return p.now }

// MasterList returns a CMS-signed CSCA master list (ICAO 9303-12) holding
// the test CSCA, signed by a master-list signer the CSCA issued.
func (p *ICAO) MasterList() ([]byte, error) {
	key, err := deterministicECKey(p.seed, "icao/ml-signer", elliptic.P256())
	if err != nil {
		return nil, err
	}
	signer, err := dscCert(pkix.Name{Country: []string{"JP"}, CommonName: "Master List Signer TEST"}, &key.PublicKey, p.csca, p.cscaKey, 20, p.now.AddDate(-1, 0, 0), p.now.AddDate(5, 0, 0))
	if err != nil {
		return nil, err
	}
	list, err := asn1.Marshal(struct {
		Version  int
		CertList asn1.RawValue
	}{0, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: p.csca.Raw}})
	if err != nil {
		return nil, err
	}
	return signCMS(asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}, list, signer, key)
}

// Revoke makes CRL list the Document Signer.
func (p *ICAO) Revoke() { p.revoked = append(p.revoked, p.dsc.SerialNumber) }

// CRL returns a CRL signed by the test CSCA, fresh at Now.
func (p *ICAO) CRL() ([]byte, error) {
	var entries []x509.RevocationListEntry
	for _, s := range p.revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: p.now.AddDate(0, -1, 0)})
	}
	return x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: p.now.AddDate(0, 0, -1), NextUpdate: p.now.AddDate(0, 1, 0),
		RevokedCertificateEntries: entries,
	}, p.csca, p.cscaKey)
}

func caCert(name pkix.Name, key, signer *ecdsa.PrivateKey, parent *x509.Certificate, serial int64, from, to time.Time) (*x509.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: name, NotBefore: from, NotAfter: to,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true, MaxPathLen: 0, MaxPathLenZero: true,
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func dscCert(name pkix.Name, pub crypto.PublicKey, ca *x509.Certificate, caKey crypto.Signer, serial int64, from, to time.Time) (*x509.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: name, NotBefore: from, NotAfter: to,
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, pub, caKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// deterministicECKey derives a key on curve from (seed, label).
func deterministicECKey(seed int64, label string, curve elliptic.Curve) (*ecdsa.PrivateKey, error) {
	rng := mrand.New(mrand.NewChaCha8(sha256.Sum256([]byte("kakunin-synth-ec-key/" + strconv.FormatInt(seed, 10) + "/" + label))))
	n := curve.Params().N
	size := (n.BitLen() + 7) / 8
	buf := make([]byte, size)
	for range 64 {
		for i := range buf {
			buf[i] = byte(rng.Uint32())
		}
		d := new(big.Int).SetBytes(buf)
		if d.Sign() == 0 || d.Cmp(n) >= 0 {
			continue
		}
		return ecdsa.ParseRawPrivateKey(curve, d.FillBytes(make([]byte, size)))
	}
	return nil, errors.New("synth: could not derive an EC key")
}

// OIDs for building CMS.
var (
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidLDSSO      = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
	oidSHA256     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidECDSA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidCT         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMD         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
)

// signCMS builds a DER ContentInfo(SignedData) over content with one
// ECDSA-with-SHA256 signer identified by issuer and serial, signed
// attributes contentType and messageDigest, and the signer's certificate.
func signCMS(ctype asn1.ObjectIdentifier, content []byte, cert *x509.Certificate, key crypto.Signer) ([]byte, error) {
	digest := sha256.Sum256(content)
	var attrs [][]byte
	for _, a := range []struct {
		oid asn1.ObjectIdentifier
		val any
	}{{oidCT, ctype}, {oidMD, digest[:]}} {
		v, err := asn1.Marshal(a.val)
		if err != nil {
			return nil, err
		}
		enc, err := asn1.Marshal(struct {
			Type   asn1.ObjectIdentifier
			Values asn1.RawValue
		}{a.oid, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: v}})
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, enc)
	}
	slices.SortFunc(attrs, bytes.Compare) // DER orders a SET OF by encoding
	attrBytes := bytes.Join(attrs, nil)
	signedSet, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: attrBytes})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(signedSet)
	sig, err := key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	alg := pkix.AlgorithmIdentifier{Algorithm: oidSHA256}
	octets, err := asn1.Marshal(content)
	if err != nil {
		return nil, err
	}
	type issuerSerial struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}
	type signerInfo struct {
		Version            int
		SID                issuerSerial
		DigestAlgorithm    pkix.AlgorithmIdentifier
		SignedAttrs        asn1.RawValue
		SignatureAlgorithm pkix.AlgorithmIdentifier
		Signature          []byte
	}
	si, err := asn1.Marshal(signerInfo{
		Version:            1,
		SID:                issuerSerial{asn1.RawValue{FullBytes: cert.RawIssuer}, cert.SerialNumber},
		DigestAlgorithm:    alg,
		SignedAttrs:        asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: attrBytes},
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidECDSA256},
		Signature:          sig,
	})
	if err != nil {
		return nil, err
	}
	algDER, err := asn1.Marshal(alg)
	if err != nil {
		return nil, err
	}
	sd, err := asn1.Marshal(struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		EncapContentInfo struct {
			EContentType asn1.ObjectIdentifier
			EContent     asn1.RawValue
		}
		Certificates asn1.RawValue
		SignerInfos  asn1.RawValue
	}{
		Version:          3,
		DigestAlgorithms: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: algDER},
		EncapContentInfo: struct {
			EContentType asn1.ObjectIdentifier
			EContent     asn1.RawValue
		}{ctype, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: octets}},
		Certificates: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: cert.Raw},
		SignerInfos:  asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: si},
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}{oidSignedData, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sd}})
}

// PassportHolder is the fictional holder printed in DG1.
type PassportHolder struct {
	Surname, GivenNames string // A-Z and spaces
	Number              string // up to 9 of A-Z0-9
	Nationality         string // ICAO 3-letter code; also the issuing state
	BirthDate, Expiry   string // YYMMDD
	Sex                 string // "M", "F" or "<"
}

// DefaultPassportHolder is a fictional Japanese passport holder.
func DefaultPassportHolder() PassportHolder {
	return PassportHolder{Surname: "KAKUNIN", GivenNames: "HANAKO", Number: "TZ1234567", Nationality: "JPN", BirthDate: "900115", Expiry: "310401", Sex: "F"}
}

// MRZ returns the holder's TD3 machine-readable zone (88 characters)
// with correct check digits.
func (h PassportHolder) MRZ() string {
	pad := func(s string, n int) string {
		b := []byte(s)
		for i, c := range b {
			if c == ' ' {
				b[i] = '<'
			}
		}
		for len(b) < n {
			b = append(b, '<')
		}
		return string(b[:n])
	}
	cd := func(s string) string { return strconv.Itoa(mrz.CheckDigit(s)) }
	l1 := pad("P<"+h.Nationality+h.Surname+"<<"+h.GivenNames, 44)
	num := pad(h.Number, 9)
	opt := pad("", 14)
	l2 := num + cd(num) + h.Nationality + h.BirthDate + cd(h.BirthDate) + h.Sex + h.Expiry + cd(h.Expiry) + opt + "<"
	l2 += cd(l2[0:10] + l2[13:20] + l2[21:43])
	return l1 + l2
}

// PassportVariant selects a good passport chip or one broken way.
type PassportVariant int

// The variants. Each bad one makes chip.VerifyPassport fail with its own
// reason, noted beside it.
const (
	PassportGood              PassportVariant = iota // RSA active authentication: chip_verified
	PassportECAA                                     // ECDSA active authentication (DG14 names SHA-256): chip_verified
	PassportNoAA                                     // chip without DG15: passive_only
	PassportAlteredDG                                // DG1 changed after signing: dg_hash_mismatch
	PassportInjectedDG                               // DG11 not in the SOD: dg_not_in_sod
	PassportWrongSigner                              // SOD signed under a rogue CSCA of the same name: untrusted_signer
	PassportExpiredDSC                               // Document Signer expired before Now: signer_expired
	PassportMissingAA                                // DG15 in the SOD, no answer sent: aa_missing
	PassportReplayedChallenge                        // answers an earlier challenge: challenge_mismatch
	PassportClonedChip                               // valid SOD, answer made with another key: aa_failed
	PassportBadCheckDigit                            // DG1 signed with a wrong check digit: mrz_check_digit
	PassportCountryMismatch                          // DG1 says UTO, the DSC is Japanese: country_mismatch
	PassportTamperedSOD                              // DG1 altered and its SOD hash rewritten: bad_signature
)

var passportVariantNames = [...]string{"good", "ec_aa", "no_aa", "altered_dg", "injected_dg", "wrong_signer", "expired_dsc",
	"missing_aa", "replayed_challenge", "cloned_chip", "bad_check_digit", "country_mismatch", "tampered_sod"}

func (v PassportVariant) String() string {
	if int(v) < len(passportVariantNames) {
		return passportVariantNames[v]
	}
	return "passport_variant_" + strconv.Itoa(int(v))
}

// PassportChip is the content of a synthetic passport chip: its files
// (raw, as READ BINARY returns them) and its active-authentication key.
type PassportChip struct {
	Files map[string][]byte
	aaKey crypto.Signer // nil: no active authentication
	rsa   bool
}

// AnswerChallenge signs challenge as the chip's INTERNAL AUTHENTICATE
// does: ISO/IEC 9796-2 scheme 1 with SHA-1 for RSA, plain r||s over
// SHA-256 for ECDSA.
func (c *PassportChip) AnswerChallenge(challenge []byte) ([]byte, error) {
	if c.aaKey == nil {
		return nil, errors.New("synth: chip has no active authentication key")
	}
	if k, ok := c.aaKey.(*rsa.PrivateKey); ok {
		return iso9796Sign(k, challenge)
	}
	k := c.aaKey.(*ecdsa.PrivateKey)
	sum := sha256.Sum256(challenge)
	der, err := k.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		return nil, err
	}
	n := (k.Curve.Params().BitSize + 7) / 8
	return append(rs.R.FillBytes(make([]byte, n)), rs.S.FillBytes(make([]byte, n))...), nil
}

// iso9796Sign builds 6A ‖ M1 ‖ SHA-1(M1 ‖ challenge) ‖ BC and applies the
// private key (raw RSA): what a chip's active authentication returns.
func iso9796Sign(k *rsa.PrivateKey, challenge []byte) ([]byte, error) {
	size := k.Size()
	m1 := make([]byte, size-2-20)
	if _, err := rand.Read(m1); err != nil {
		return nil, err
	}
	h := crypto.SHA1.New()
	h.Write(m1)
	h.Write(challenge)
	f := append(append(append([]byte{0x6A}, m1...), h.Sum(nil)...), 0xBC)
	s := new(big.Int).Exp(new(big.Int).SetBytes(f), k.D, k.N)
	return s.FillBytes(make([]byte, size)), nil
}

// PassportOptions choose the content of a passport chip.
type PassportOptions struct {
	Holder  PassportHolder // zero: DefaultPassportHolder()
	Face    []byte         // JPEG for DG2; nil: a generated 64×80 test image
	Variant PassportVariant
}

// Passport issues a synthetic passport chip signed by the test DSC (or, by
// variant, the rogue or expired one).
func (p *ICAO) Passport(o PassportOptions) (*PassportChip, error) {
	h := o.Holder
	if h == (PassportHolder{}) {
		h = DefaultPassportHolder()
	}
	if o.Variant == PassportCountryMismatch {
		h.Nationality = "UTO"
	}
	face := o.Face
	if face == nil {
		var err error
		if face, err = TestFaceJPEG(p.seed); err != nil {
			return nil, err
		}
	}
	mrzText := h.MRZ()
	if o.Variant == PassportBadCheckDigit {
		b := []byte(mrzText)
		b[44+9] = '0' + (b[44+9]-'0'+1)%10
		mrzText = string(b)
	}
	files := map[string][]byte{
		"DG1": chip.EncodeTLV(0x61, chip.EncodeTLV(0x5F1F, []byte(mrzText))),
		"DG2": DG2FromJPEG(face),
	}
	c := &PassportChip{Files: files}
	if o.Variant != PassportNoAA {
		if o.Variant == PassportECAA {
			k, err := deterministicECKey(p.seed, "icao/aa-ec", elliptic.P256())
			if err != nil {
				return nil, err
			}
			c.aaKey = k
			dg14, err := dg14AAInfo()
			if err != nil {
				return nil, err
			}
			files["DG14"] = dg14
		} else {
			k, err := deterministicRSAKey(p.seed, "icao/aa-rsa")
			if err != nil {
				return nil, err
			}
			c.aaKey, c.rsa = k, true
		}
		spki, err := x509.MarshalPKIXPublicKey(c.aaKey.Public())
		if err != nil {
			return nil, err
		}
		files["DG15"] = chip.EncodeTLV(0x6F, spki)
	}
	files["COM"] = chip.EncodeTLV(0x60, slices.Concat(chip.EncodeTLV(0x5F01, []byte("0107")), chip.EncodeTLV(0x5F36, []byte("040000")), chip.EncodeTLV(0x5C, dgTagList(files))))
	signer, key := p.dsc, crypto.Signer(p.dscKey)
	switch o.Variant {
	case PassportWrongSigner:
		signer, key = p.rogueDSC, p.rogueKey
	case PassportExpiredDSC:
		signer = p.expiredDSC
	}
	sod, err := buildSOD(files, signer, key)
	if err != nil {
		return nil, err
	}
	if o.Variant == PassportTamperedSOD {
		// A forger alters DG1 and writes its new hash into the SOD: the
		// hashes then match, but the messageDigest no longer does.
		oldSum := sha256.Sum256(files["DG1"])
		dg1 := bytes.Clone(files["DG1"])
		dg1[bytes.Index(dg1, []byte(h.Surname))] = 'X'
		newSum := sha256.Sum256(dg1)
		i := bytes.Index(sod, oldSum[:])
		if i < 0 {
			return nil, errors.New("synth: DG1 hash not found in the SOD")
		}
		sod = bytes.Clone(sod)
		copy(sod[i:], newSum[:])
		files["DG1"] = dg1
	}
	files["SOD"] = sod
	switch o.Variant {
	case PassportAlteredDG:
		dg1 := bytes.Clone(files["DG1"])
		i := bytes.Index(dg1, []byte(h.Surname))
		dg1[i] = 'X' // check digits do not cover the name
		files["DG1"] = dg1
	case PassportInjectedDG:
		files["DG11"] = chip.EncodeTLV(0x6B, chip.EncodeTLV(0x5F0E, []byte("INJECTED<<NAME")))
	}
	return c, nil
}

func dgTagList(files map[string][]byte) []byte {
	var tags []byte
	for _, n := range []string{"DG1", "DG2", "DG14", "DG15"} {
		if f, ok := files[n]; ok {
			tags = append(tags, f[0])
		}
	}
	return tags
}

func buildSOD(files map[string][]byte, signer *x509.Certificate, key crypto.Signer) ([]byte, error) {
	type dgHash struct {
		Number int
		Value  []byte
	}
	type lso struct {
		Version       int
		HashAlgorithm pkix.AlgorithmIdentifier
		Hashes        []dgHash
	}
	l := lso{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA256}}
	for n := 1; n <= 16; n++ {
		if f, ok := files["DG"+strconv.Itoa(n)]; ok {
			sum := sha256.Sum256(f)
			l.Hashes = append(l.Hashes, dgHash{n, sum[:]})
		}
	}
	content, err := asn1.Marshal(l)
	if err != nil {
		return nil, err
	}
	ci, err := signCMS(oidLDSSO, content, signer, key)
	if err != nil {
		return nil, err
	}
	return chip.EncodeTLV(0x77, ci), nil
}

func dg14AAInfo() ([]byte, error) {
	info, err := asn1.Marshal(struct {
		Protocol asn1.ObjectIdentifier
		Version  int
		Alg      asn1.ObjectIdentifier
	}{asn1.ObjectIdentifier{2, 23, 136, 1, 1, 5}, 1, asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 3}})
	if err != nil {
		return nil, err
	}
	set, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: info})
	if err != nil {
		return nil, err
	}
	return chip.EncodeTLV(0x6E, set), nil
}

// DG2FromJPEG wraps a JPEG face image in an ISO/IEC 19794-5 record inside
// a DG2 biometric information template, as most passports in circulation
// store it.
func DG2FromJPEG(img []byte) []byte {
	var rec bytes.Buffer
	rec.WriteString("FAC\x00010\x00")
	total := 14 + 20 + 12 + len(img)
	binary.Write(&rec, binary.BigEndian, uint32(total))
	binary.Write(&rec, binary.BigEndian, uint16(1))
	binary.Write(&rec, binary.BigEndian, uint32(20+12+len(img))) // facial record length
	rec.Write(make([]byte, 2+1+1+1+3+2+3+3))                     // no feature points; unspecified attributes
	rec.Write([]byte{0x01, 0x00})                                // full frontal, JPEG
	binary.Write(&rec, binary.BigEndian, uint16(64))
	binary.Write(&rec, binary.BigEndian, uint16(80))
	rec.Write(make([]byte, 6))
	rec.Write(img)
	header := chip.EncodeTLV(0xA1, slices.Concat(chip.EncodeTLV(0x80, []byte{1, 1}), chip.EncodeTLV(0x81, []byte{2}), chip.EncodeTLV(0x87, []byte{1, 1}), chip.EncodeTLV(0x88, []byte{0, 8})))
	bit := chip.EncodeTLV(0x7F60, append(header, chip.EncodeTLV(0x5F2E, rec.Bytes())...))
	return chip.EncodeTLV(0x75, chip.EncodeTLV(0x7F61, append(chip.EncodeTLV(0x02, []byte{1}), bit...)))
}

// TestFaceJPEG returns a small synthetic JPEG (a gradient oval, not a
// person) to stand in for a chip photo. The same seed gives the same bytes.
func TestFaceJPEG(seed int64) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 80))
	shade := uint8(seed % 64)
	for y := range 80 {
		for x := range 64 {
			dx, dy := float64(x-32)/22, float64(y-40)/30
			c := color.RGBA{200, 200, 210, 255}
			if dx*dx+dy*dy < 1 {
				c = color.RGBA{uint8(180 + y/2), uint8(140 + x/2), 120 + shade, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("synth: encoding test face: %w", err)
	}
	return buf.Bytes(), nil
}

// Bundle returns the chip read into a version-1 bundle, with the chip's
// answer to challenge when it has an active-authentication key. Variants
// about the answer (missing, replayed, cloned) are applied here.
func (c *PassportChip) Bundle(v PassportVariant, challenge []byte) (*chip.Bundle, error) {
	b := &chip.Bundle{Version: chip.BundleVersion, DocumentType: chip.Passport, Access: chip.AccessBAC, Files: map[string][]byte{}}
	for n, f := range c.Files {
		b.Files[n] = bytes.Clone(f)
	}
	if c.aaKey == nil || v == PassportMissingAA {
		return b, nil
	}
	answered := challenge
	if v == PassportReplayedChallenge {
		answered = []byte("OLDCHALL") // the challenge of an earlier session
	}
	resp, err := c.AnswerChallenge(answered)
	if err != nil {
		return nil, err
	}
	if v == PassportClonedChip {
		// A clone copies the files but not the private key: it answers
		// with a key of its own.
		k, err := deterministicRSAKey(int64(len(challenge))+7, "icao/clone")
		if err != nil {
			return nil, err
		}
		if resp, err = iso9796Sign(k, challenge); err != nil {
			return nil, err
		}
	}
	b.Challenge, b.Response = bytes.Clone(answered), resp
	return b, nil
}
