package decision

import (
	"slices"
	"testing"
	"time"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/verification"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, jst)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	passed  = verification.CheckResult{Name: "image_quality", Status: verification.CheckPassed, Required: true}
	failed  = verification.CheckResult{Name: "face_match", Status: verification.CheckFailed, Required: true, Reasons: []string{"face_mismatch"}}
	missing = verification.CheckResult{Name: "liveness", Status: verification.CheckUnavailable, Required: true}
)

func TestJudge(t *testing.T) {
	ver := func(law verification.Law, m verification.Method, created string) *verification.Verification {
		return &verification.Verification{Law: law, Method: m, CreatedAt: at(created)}
	}
	adult := &verification.Identity{Name: "山田　太郎", BirthDate: "1990-04-01", Address: "東京都千代田区千代田一丁目2番3号"}
	tests := map[string]struct {
		in          verification.JudgeInput
		wantStatus  verification.Status
		wantReasons []string
	}{
		"all passed": {verification.JudgeInput{Verification: ver("none", "jpki", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed}},
			verification.StatusApproved, []string{}},
		"failed check goes to review": {verification.JudgeInput{Verification: ver("none", "jpki", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed, failed}},
			verification.StatusReview, []string{"face_match_failed", "face_mismatch"}},
		"MRZ disagreeing with a valid check digit rejects": {verification.JudgeInput{Verification: ver("none", "document_image", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed,
			{Name: "document_authenticity", Status: verification.CheckFailed, Required: true, Reasons: []string{"document_mrz_mismatch"}}}},
			verification.StatusRejected, []string{"document_authenticity_failed", "document_mrz_mismatch"}},
		"thickness photo of another card rejects": {verification.JudgeInput{Verification: ver("aml", "document_image", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed,
			{Name: "document_thickness", Status: verification.CheckFailed, Required: true, Reasons: []string{"thickness_not_same_document"}}}},
			verification.StatusRejected, []string{"document_thickness_failed", "thickness_not_same_document"}},
		"thickness photo maybe of another card goes to review": {verification.JudgeInput{Verification: ver("aml", "document_image", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed,
			{Name: "document_thickness", Status: verification.CheckFailed, Required: true, Reasons: []string{"thickness_same_document_unsure"}}}},
			verification.StatusReview, []string{"document_thickness_failed", "thickness_same_document_unsure"}},
		"pasted portrait goes to review": {verification.JudgeInput{Verification: ver("none", "document_image", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed,
			{Name: "document_authenticity", Status: verification.CheckFailed, Required: true, Reasons: []string{"document_portrait_tampered"}}}},
			verification.StatusReview, []string{"document_authenticity_failed", "document_portrait_tampered"}},
		"type without a template goes to review": {verification.JudgeInput{Verification: ver("none", "document_image", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed,
			{Name: "document_authenticity", Status: verification.CheckFailed, Required: true, Reasons: []string{"document_review_only"}}}},
			verification.StatusReview, []string{"document_authenticity_failed", "document_review_only"}},
		"unavailable check never approves": {verification.JudgeInput{Verification: ver("none", "jpki", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed, missing}},
			verification.StatusReview, []string{"checks_unavailable", "liveness_unavailable"}},
		"no checks at all": {verification.JudgeInput{Verification: ver("none", "jpki", "2026-11-25 10:00")},
			verification.StatusReview, []string{"no_checks_run"}},
		"aml image method, last minute before 2027-04-01 JST": {verification.JudgeInput{Verification: ver("aml", "document_image", "2027-03-31 23:59"), Checks: []verification.CheckResult{passed}},
			verification.StatusApproved, []string{}},
		"aml image method, first minute of 2027-04-01 JST": {verification.JudgeInput{Verification: ver("aml", "document_image", "2027-04-01 00:00"), Checks: []verification.CheckResult{passed}},
			verification.StatusRejected, []string{"aml_image_method_abolished"}},
		"aml chip method after 2027-04-01 is fine": {verification.JudgeInput{Verification: ver("aml", "ic_chip", "2027-06-01 00:00"), Checks: []verification.CheckResult{passed}},
			verification.StatusApproved, []string{}},
		"mobile phone image method before 2026-04-01": {verification.JudgeInput{Verification: ver("mobile_phone", "document_image", "2026-03-31 23:59"), Checks: []verification.CheckResult{passed}},
			verification.StatusApproved, []string{}},
		"mobile phone image method from 2026-04-01": {verification.JudgeInput{Verification: ver("mobile_phone", "document_image", "2026-04-01 00:00"), Checks: []verification.CheckResult{passed}},
			verification.StatusRejected, []string{"mobile_phone_image_method_abolished"}},
		"rejection wins over review": {verification.JudgeInput{Verification: ver("mobile_phone", "document_image", "2026-05-01 00:00"), Checks: []verification.CheckResult{missing}},
			verification.StatusRejected, []string{"checks_unavailable", "liveness_unavailable", "mobile_phone_image_method_abolished"}},
		"eighteenth birthday is old enough": {verification.JudgeInput{Verification: ver("aml", "jpki", "2026-04-01 09:00"), Checks: []verification.CheckResult{passed},
			Identity: &verification.Identity{Name: "x", BirthDate: "2008-04-01"}}, verification.StatusApproved, []string{}},
		"one day short of eighteen": {verification.JudgeInput{Verification: ver("aml", "jpki", "2026-03-31 09:00"), Checks: []verification.CheckResult{passed},
			Identity: &verification.Identity{Name: "x", BirthDate: "2008-04-01"}}, verification.StatusReview, []string{"underage"}},
		"document valid through its expiry day": {verification.JudgeInput{Verification: ver("aml", "ic_chip", "2026-11-25 23:59"), Checks: []verification.CheckResult{passed},
			Identity: &verification.Identity{Name: "x", BirthDate: "1990-01-01", ExpiryDate: "2026-11-25"}}, verification.StatusApproved, []string{}},
		"document expired the day before": {verification.JudgeInput{Verification: ver("aml", "ic_chip", "2026-11-26 00:00"), Checks: []verification.CheckResult{passed},
			Identity: &verification.Identity{Name: "x", BirthDate: "1990-01-01", ExpiryDate: "2026-11-25"}}, verification.StatusReview, []string{"document_expired"}},
		"applicant agrees in other forms": {verification.JudgeInput{Verification: ver("aml", "jpki", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed}, Identity: adult,
			Applicant: &verification.Applicant{Name: "山田 太郎", BirthDate: "1990-04-01", Address: "千代田区千代田１－２－３"}}, verification.StatusApproved, []string{}},
		"applicant differs": {verification.JudgeInput{Verification: ver("aml", "jpki", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed}, Identity: adult,
			Applicant: &verification.Applicant{Name: "山田 次郎", BirthDate: "1990-04-02", Address: "千代田区千代田1-2-4"}}, verification.StatusReview,
			[]string{"applicant_address_mismatch", "applicant_birth_date_mismatch", "applicant_name_mismatch"}},
		"tenant policy: twenty for alcohol": {verification.JudgeInput{Verification: ver("none", "jpki", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed},
			Identity: &verification.Identity{Name: "x", BirthDate: "2006-11-26"}, Policy: &verification.TenantPolicy{Law: "none", MinAge: 20, MatchApplicant: true}},
			verification.StatusReview, []string{"underage"}},
		"tenant policy: no age check": {verification.JudgeInput{Verification: ver("none", "jpki", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed},
			Identity: &verification.Identity{Name: "x", BirthDate: "2016-01-01"}, Policy: &verification.TenantPolicy{Law: "none"}},
			verification.StatusApproved, []string{}},
		"tenant policy: applicant not compared": {verification.JudgeInput{Verification: ver("aml", "jpki", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed}, Identity: adult,
			Applicant: &verification.Applicant{Name: "山田 次郎"}, Policy: &verification.TenantPolicy{Law: "aml", MinAge: 18}}, verification.StatusApproved, []string{}},
		"tenant policy: every case reviewed": {verification.JudgeInput{Verification: ver("aml", "jpki", "2026-11-25 10:00"), Checks: []verification.CheckResult{passed}, Identity: adult,
			Policy: &verification.TenantPolicy{Law: "aml", MinAge: 18, MatchApplicant: true, ReviewAll: true}}, verification.StatusReview, []string{"policy_review_all"}},
		"tenant policy for another law is ignored": {verification.JudgeInput{Verification: ver("aml", "jpki", "2026-03-31 09:00"), Checks: []verification.CheckResult{passed},
			Identity: &verification.Identity{Name: "x", BirthDate: "2008-04-01"}, Policy: &verification.TenantPolicy{Law: "none"}}, verification.StatusReview, []string{"underage"}},
		"tenant policy cannot lift an abolition": {verification.JudgeInput{Verification: ver("aml", "document_image", "2027-04-01 00:00"), Checks: []verification.CheckResult{passed},
			Policy: &verification.TenantPolicy{Law: "aml"}}, verification.StatusRejected, []string{"aml_image_method_abolished"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := Judge(tc.in)
			if d.Status != tc.wantStatus || !slices.Equal(d.Reasons, tc.wantReasons) {
				t.Fatalf("got %s %v; want %s %v", d.Status, d.Reasons, tc.wantStatus, tc.wantReasons)
			}
			if len(d.Rules) < len(d.Reasons) || d.DecidedBy != "machine" {
				t.Fatalf("explanation: got %+v", d.Rules)
			}
			for _, r := range d.Rules {
				if r.Detail == "" {
					t.Errorf("rule %s has no explanation", r.Rule)
				}
			}
		})
	}
}

func TestMethodAllowed(t *testing.T) {
	if err := MethodAllowed("aml", "document_image", at("2027-03-31 23:59")); err != nil {
		t.Fatalf("before the cut-off: %v", err)
	}
	err := MethodAllowed("aml", "document_image", at("2027-04-01 00:00"))
	if errkind.Reason(err) != "method_not_accepted_by_law" {
		t.Fatalf("from the cut-off: got %v", err)
	}
	if err := MethodAllowed("none", "document_image", at("2030-01-01 00:00")); err != nil {
		t.Fatalf("no law: %v", err)
	}
}

func TestNormalize(t *testing.T) {
	names := [][2]string{{"山田　太郎", "山田 太郎"}, {"ＹＡＭＡＤＡ Taro", "yamada taro"}, {"髙橋 一郎", "高橋一郎"}, {"ジョン・スミス", "ジョンスミス"}}
	for _, n := range names {
		if NormalizeName(n[0]) != NormalizeName(n[1]) {
			t.Errorf("names %q and %q: got %q and %q; want equal", n[0], n[1], NormalizeName(n[0]), NormalizeName(n[1]))
		}
	}
	if NormalizeName("山田太郎") == NormalizeName("山田次郎") {
		t.Error("different names normalized alike")
	}
	addrs := map[string]string{
		"東京都千代田区千代田一丁目2番3号": "東京都千代田区千代田1-2-3",
		"千代田区千代田１－２－３":      "千代田区千代田1-2-3",
		"大阪市北区梅田三丁目二十一番地の五": "大阪市北区梅田3-21-5",
		"テスト県見本市試験町一丁目2番3号": "テスト県見本市試験町1-2-3",
		"札幌市中央区北一条西二丁目百十番":  "札幌市中央区北1条西2-110",
	}
	for in, want := range addrs {
		if got := NormalizeAddress(in); got != want {
			t.Errorf("NormalizeAddress(%q): got %q; want %q", in, got, want)
		}
	}
}
