package verification

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/jpki"
)

// JPKIDeps wires JPKI (ワ) and JPKI+face into the service.
type JPKIDeps struct {
	// Options returns the verifier options for a mode: live trusts only the
	// J-LIS roots; test may also trust the synthetic test PKI.
	Options func(mode string) jpki.VerifyOptions
	Nonces  NonceStore
	// NonceTTL is how long an issued nonce may be used (default 10 minutes).
	NonceTTL time.Duration
}

// NonceStore issues and consumes single-use JPKI nonces.
type NonceStore interface {
	jpki.NonceStore
	IssueNonce(ctx context.Context, verificationID, nonce string, expires time.Time) error
}

// Identity is what a method's evidence proved about the person. It is
// personal data: sealed at rest and returned only on request.
type Identity struct {
	Source    string `json:"source"` // "jpki_signing_certificate", "ic_chip:passport", ...
	Name      string `json:"name"`
	Sex       string `json:"sex,omitempty"` // as the source codes it: JPKI "1" male, "2" female; passport M/F/X
	BirthDate string `json:"birth_date"`
	Address   string `json:"address"`
	// Document facts of an IC chip.
	Nationality    string `json:"nationality,omitempty"`
	DocumentNumber string `json:"document_number,omitempty"`
	IssuingState   string `json:"issuing_state,omitempty"`
	IssueDate      string `json:"issue_date,omitempty"`
	ExpiryDate     string `json:"expiry_date,omitempty"`
	// Substitute-character flags of the JPKI certificate, as issued.
	NameSubstitute    string `json:"name_substitute,omitempty"`
	AddressSubstitute string `json:"address_substitute,omitempty"`
}

func identityAAD(id string) []byte { return []byte("verification/" + id + "/identity") }

// JPKIChallenge is a nonce issued for one JPKI signature.
type JPKIChallenge struct {
	Purpose        string    `json:"purpose"`
	VerificationID string    `json:"verification_id"`
	Nonce          string    `json:"nonce"`
	Origin         string    `json:"origin"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// Origin is the origin (scheme://host[:port]) a JPKI payload must name.
func (s *Service) Origin() string {
	u, err := url.Parse(s.d.PublicURL)
	if err != nil {
		return strings.ToLower(s.d.PublicURL)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

func (s *Service) jpkiReady(v *Verification) error {
	if s.d.JPKI == nil {
		return errkind.New(errkind.ErrUnavailable, "jpki_unavailable", "JPKI verification is not configured")
	}
	if v.Method != MethodJPKI {
		return errkind.New(errkind.ErrConflict, "method_mismatch", "this verification's method is %s, not jpki", v.Method)
	}
	if !v.Status.AcceptsInput() {
		return errkind.New(errkind.ErrConflict, "not_accepting_input", "a verification in status %q accepts no evidence", v.Status)
	}
	return nil
}

// IssueJPKINonce issues a single-use nonce for the card to sign over.
func (s *Service) IssueJPKINonce(ctx context.Context, v *Verification) (*JPKIChallenge, error) {
	if err := s.jpkiReady(v); err != nil {
		return nil, err
	}
	nonce, err := jpki.NewNonce()
	if err != nil {
		return nil, err
	}
	ttl := s.d.JPKI.NonceTTL
	if ttl == 0 {
		ttl = 10 * time.Minute
	}
	exp := s.d.Now().UTC().Add(ttl).Truncate(time.Second)
	if err := s.d.JPKI.Nonces.IssueNonce(ctx, v.ID, nonce, exp); err != nil {
		return nil, err
	}
	return &JPKIChallenge{Purpose: "kakunin/jpki-face/v1", VerificationID: v.ID, Nonce: nonce, Origin: s.Origin(), ExpiresAt: exp}, nil
}

// JPKISubmission is what the applicant's device sends: the signing
// certificate, the raw signature or a CMS SignedData, and the payload bytes
// exactly as signed.
type JPKISubmission struct {
	Certificate []byte `json:"certificate,omitempty"`
	Signature   []byte `json:"signature,omitempty"`
	CMS         []byte `json:"cms,omitempty"`
	Payload     []byte `json:"payload"`
}

// emptySHA256 is the selfie digest of a JPKI signature without a face.
var emptySHA256 = hex.EncodeToString(func() []byte { h := sha256.Sum256(nil); return h[:] }())

// SubmitJPKI verifies a JPKI signature over a kakunin/jpki-face/v1 payload
// for this verification: with face, the payload must name the SHA-256 of
// the selfie and liveness frames exactly as they were uploaded; without
// face, the selfie digest is that of the empty string. On success the
// signed bundle is stored as evidence, the certificate's 4 attributes become
// the verification's (sealed) identity, and the selfie the face reference.
func (s *Service) SubmitJPKI(ctx context.Context, v *Verification, sub JPKISubmission, actor Actor) (*Verification, error) {
	if err := s.jpkiReady(v); err != nil {
		return nil, err
	}
	if len(sub.Payload) == 0 || (len(sub.Signature) == 0) == (len(sub.CMS) == 0) ||
		(len(sub.Signature) > 0 && len(sub.Certificate) == 0) {
		return nil, invalid("jpki_submission_invalid", "send payload and either certificate+signature or cms")
	}
	selfieSum, framesSum, selfieID, err := s.FaceDigests(ctx, v)
	if err != nil {
		return nil, err
	}
	expect := jpki.FaceExpectation{VerificationID: v.ID, Origin: s.Origin(), SelfieSHA256: emptySHA256, FramesSHA256: framesSum}
	if v.Face {
		if selfieID == "" {
			return nil, errkind.New(errkind.ErrConflict, "evidence_missing", "missing evidence: selfie (upload it before signing)")
		}
		expect.SelfieSHA256 = selfieSum
	}
	opts := s.d.JPKI.Options(v.Mode)
	opts.CurrentTime = s.d.Now()
	var res *jpki.FaceResult
	if len(sub.CMS) > 0 {
		res, err = jpki.VerifyFaceCMS(ctx, opts, sub.CMS, sub.Payload, expect, s.d.JPKI.Nonces)
	} else {
		res, err = jpki.VerifyFace(ctx, opts, sub.Certificate, sub.Signature, sub.Payload, expect, s.d.JPKI.Nonces)
	}
	if err != nil {
		if reason := jpki.ReasonOf(err); reason != "" {
			_ = s.d.Audit.Record(ctx, v.TenantID, string(actor), "jpki.rejected", v.ID, map[string]string{"reason": string(reason)})
		}
		return nil, err
	}
	bundle, _ := json.Marshal(sub)
	ev, err := s.AddEvidence(ctx, v, KindJPKISignature, bundle, actor)
	if err != nil {
		return nil, err
	}
	idn := Identity{Source: "jpki_signing_certificate", Name: res.Subject.Name, Sex: res.Subject.Sex,
		BirthDate: res.Subject.BirthDate, Address: res.Subject.Address,
		NameSubstitute: res.Subject.NameSubstitute, AddressSubstitute: res.Subject.AddressSubstitute}
	result := map[string]any{
		// 犯収法施行規則 6条1項1号ワ: the JPKI signing certificate method.
		"ordinance_method": "ワ", "evidence_id": ev.ID,
		"cert_serial": res.CertSerial, "cert_sha256": res.CertSHA256, "issuer": res.Issuer,
		"not_after": res.NotAfter, "signed_at": res.SignedAt, "revocation": res.Revocation,
		"revocation_source": res.RevocationSource, "revocation_as_of": res.RevocationAsOf, "checked_at": res.CheckedAt,
		"face_bound": v.Face, "selfie_sha256": expect.SelfieSHA256, "frames_sha256": expect.FramesSHA256,
	}
	faceRef := ""
	if v.Face {
		faceRef = selfieID
	}
	err = s.setIdentity(ctx, v, "jpki", idn, result, actor, "jpki.verified", faceRef)
	return v, err
}

// setIdentity records what a method's evidence proved: the sealed identity
// and the method's non-personal result.
func (s *Service) setIdentity(ctx context.Context, v *Verification, method string, idn Identity, result map[string]any,
	actor Actor, action string, faceRef ...string) error {
	b, _ := json.Marshal(idn)
	return s.d.Store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.lock(ctx, v.TenantID, v.ID)
		if err != nil {
			return err
		}
		if cur.SealedIdentity, err = s.d.Sealer.Seal(ctx, v.TenantID, b, identityAAD(v.ID)); err != nil {
			return err
		}
		if cur.MethodResult == nil {
			cur.MethodResult = map[string]any{}
		}
		cur.MethodResult[method] = result
		if len(faceRef) > 0 && faceRef[0] != "" {
			cur.FaceReferenceID = faceRef[0]
		}
		cur.UpdatedAt = s.d.Now().UTC().Truncate(time.Microsecond)
		if err := s.d.Store.UpdateVerification(ctx, cur, cur.Status); err != nil {
			return err
		}
		*v = *cur
		detail := map[string]any{}
		for _, k := range []string{"cert_serial", "issuer", "revocation", "face_bound", "document_type", "authenticity", "signature"} {
			if x, ok := result[k]; ok {
				detail[k] = x
			}
		}
		return s.d.Audit.Record(ctx, v.TenantID, string(actor), action, v.ID, detail)
	})
}

// Identity decrypts what the evidence proved about the person; every call is
// an audited read of personal data.
func (s *Service) Identity(ctx context.Context, actor Actor, v *Verification) (*Identity, error) {
	if v.SealedIdentity == nil {
		return nil, nil
	}
	var idn Identity
	err := s.d.Store.InTx(ctx, func(ctx context.Context) error {
		b, err := s.d.Sealer.Open(ctx, v.TenantID, v.SealedIdentity, identityAAD(v.ID))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &idn); err != nil {
			return err
		}
		return s.d.Audit.Record(ctx, v.TenantID, string(actor), "personal_data.read", v.ID, map[string]string{"fields": "identity"})
	})
	return &idn, err
}

func jpkiResult(v *Verification) map[string]any {
	r, _ := v.MethodResult["jpki"].(map[string]any)
	return r
}

// JPKISignatureCheck passes when a JPKI signature was verified for this
// verification and its certificate's revocation status is good: the AML law
// accepts neither "unchecked" nor "unknown".
type JPKISignatureCheck struct{}

// Name implements Check.
func (JPKISignatureCheck) Name() string { return "jpki_signature" }

// Applies implements Check.
func (JPKISignatureCheck) Applies(v *Verification) bool { return v.Method == MethodJPKI }

// Run implements Check.
func (JPKISignatureCheck) Run(_ context.Context, in *Input) CheckResult {
	r := jpkiResult(in.Verification)
	if r == nil {
		return CheckResult{Status: CheckFailed, Reasons: []string{"jpki_not_verified"}}
	}
	details := map[string]any{"cert_serial": r["cert_serial"], "issuer": r["issuer"], "revocation": r["revocation"],
		"revocation_source": r["revocation_source"], "signed_at": r["signed_at"]}
	if rev, _ := r["revocation"].(string); rev != string(jpki.RevocationGood) {
		return CheckResult{Status: CheckFailed, Reasons: []string{"revocation_" + rev}, Details: details}
	}
	return CheckResult{Status: CheckPassed, Details: details}
}

// JPKIFaceBindingCheck passes when the verified JPKI signature covered the
// selfie that is the verification's face reference, and that selfie is still
// intact in the evidence store.
type JPKIFaceBindingCheck struct{}

// Name implements Check.
func (JPKIFaceBindingCheck) Name() string { return "jpki_face_binding" }

// Applies implements Check.
func (JPKIFaceBindingCheck) Applies(v *Verification) bool { return v.Method == MethodJPKI && v.Face }

// Run implements Check.
func (JPKIFaceBindingCheck) Run(ctx context.Context, in *Input) CheckResult {
	r := jpkiResult(in.Verification)
	if r == nil || r["face_bound"] != true {
		return CheckResult{Status: CheckFailed, Reasons: []string{"face_not_bound"}}
	}
	for _, e := range in.Evidence {
		if e.ID != in.Verification.FaceReferenceID {
			continue
		}
		if e.ReceivedSHA256 != r["selfie_sha256"] {
			return CheckResult{Status: CheckFailed, Reasons: []string{"face_reference_mismatch"}}
		}
		if _, err := in.Load(ctx, e); err != nil {
			return CheckResult{Status: CheckFailed, Reasons: []string{"evidence_unreadable"}}
		}
		return CheckResult{Status: CheckPassed, Details: map[string]any{"face_reference_id": e.ID, "selfie_sha256": e.ReceivedSHA256}}
	}
	return CheckResult{Status: CheckFailed, Reasons: []string{"face_reference_missing"}}
}

// RecheckReport counts a 現況確認 sweep's outcomes.
type RecheckReport struct {
	Checked   int      `json:"checked"`
	Good      int      `json:"good"`
	Revoked   int      `json:"revoked"`
	Unknown   int      `json:"unknown"`
	Unchecked int      `json:"unchecked"`
	Failed    []string `json:"failed"`
}

// RecheckJPKI re-checks the revocation status of the certificate behind
// every approved JPKI verification. The result is recorded on the
// verification (method_result.jpki.recheck); a certificate newly found
// revoked emits identity.changed — the holder moved, renamed or lost the
// card, and the tenant should re-verify.
func (s *Service) RecheckJPKI(ctx context.Context) (RecheckReport, error) {
	rep := RecheckReport{Failed: []string{}}
	if s.d.JPKI == nil {
		return rep, nil
	}
	after := ""
	for {
		page, err := s.d.Store.ApprovedByMethod(ctx, MethodJPKI, after, 100)
		if err != nil {
			return rep, err
		}
		for _, v := range page {
			after = v.ID
			rep.Checked++
			status, err := s.recheckOne(ctx, v)
			if err != nil {
				rep.Failed = append(rep.Failed, v.ID+": "+err.Error())
				continue
			}
			switch status {
			case jpki.RevocationGood:
				rep.Good++
			case jpki.RevocationRevoked:
				rep.Revoked++
			case jpki.RevocationUnchecked:
				rep.Unchecked++
			default:
				rep.Unknown++
			}
		}
		if len(page) < 100 {
			return rep, nil
		}
	}
}

func (s *Service) recheckOne(ctx context.Context, v *Verification) (jpki.RevocationStatus, error) {
	r := jpkiResult(v)
	if r == nil {
		return "", errkind.New(errkind.ErrInvalid, "jpki_result_missing", "no JPKI result recorded")
	}
	evidence, err := s.d.Store.ListEvidence(ctx, v.TenantID, v.ID)
	if err != nil {
		return "", err
	}
	var bundle []byte
	for _, e := range evidence {
		if e.ID == r["evidence_id"] {
			if bundle, err = s.LoadEvidence(ctx, e); err != nil {
				return "", err
			}
		}
	}
	if bundle == nil {
		return "", errkind.New(errkind.ErrNotFound, "jpki_evidence_missing", "the signed bundle is not stored")
	}
	var sub JPKISubmission
	if err := json.Unmarshal(bundle, &sub); err != nil {
		return "", err
	}
	cert := sub.Certificate
	if len(cert) == 0 {
		if cert, err = jpki.SignerCertificate(sub.CMS); err != nil {
			return "", err
		}
	}
	signedAt, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(r["signed_at"]))
	opts := s.d.JPKI.Options(v.Mode)
	opts.CurrentTime = s.d.Now()
	res, err := jpki.Recheck(ctx, opts, cert, signedAt)
	if err != nil {
		return "", err
	}
	err = s.d.Store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.lock(ctx, v.TenantID, v.ID)
		if err != nil {
			return err
		}
		cr := jpkiResult(cur)
		if cr == nil {
			return nil
		}
		prev, _ := cr["recheck"].(map[string]any)
		cr["recheck"] = map[string]any{"revocation": res.Revocation, "source": res.RevocationSource,
			"checked_at": res.CheckedAt, "as_of": res.RevocationAsOf}
		cur.UpdatedAt = s.d.Now().UTC().Truncate(time.Microsecond)
		if err := s.d.Store.UpdateVerification(ctx, cur, cur.Status); err != nil {
			return err
		}
		if err := s.d.Audit.Record(ctx, cur.TenantID, "worker", "jpki.rechecked", cur.ID,
			map[string]any{"revocation": res.Revocation, "source": res.RevocationSource}); err != nil {
			return err
		}
		if res.Revocation == jpki.RevocationRevoked && (prev == nil || prev["revocation"] != string(jpki.RevocationRevoked)) {
			data := s.EventData(cur)
			data["reason"] = "certificate_revoked"
			return s.d.Events.Publish(ctx, cur.TenantID, cur.Mode, "identity.changed", cur.ID, data)
		}
		return nil
	})
	return res.Revocation, err
}
