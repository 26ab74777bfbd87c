package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/jpki"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// TestJPKIVirtualCardEndToEnd: the card client with a virtual My Number card
// signs for a verification on a running server (PIN, sign, submit) and the
// verification is approved with the certificate's attributes as its identity.
func TestJPKIVirtualCardEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	data := t.TempDir()
	env := []string{"KAKUNIN_DATA_DIR=" + data, "KAKUNIN_JOBS_POLL_INTERVAL=50ms"}
	cli(t, env, "tenant", "create", "bank")
	key, _, _ := cli(t, env, "apikey", "create", "--tenant", "bank")
	srv := start(t, env, "serve", "--addr", "127.0.0.1:0", "--workers", "2")
	c := client{t: t, base: srv.addr, key: strings.TrimSpace(key)}
	create := func(face bool) (id, token string) {
		var v struct {
			ID          string `json:"id"`
			ClientToken string `json:"client_token"`
		}
		body := `{"method":"jpki","reference_id":"acct-1","face":` + map[bool]string{true: "true", false: "false"}[face] + `}`
		if st := c.do(http.MethodPost, "/v1/verifications", strings.NewReader(body), "application/json", &v); st != 201 {
			t.Fatalf("create: %d", st)
		}
		return v.ID, v.ClientToken
	}

	t.Run("jpki approved", func(t *testing.T) {
		id, token := create(false)
		out, stderr, code := cli(t, env, "card", "jpki-face", "--server", srv.addr, "--client-token", token, "--virtual")
		if code != 0 {
			t.Fatalf("card jpki-face: exit %d\n%s", code, stderr)
		}
		var res struct{ VerificationID, Status string }
		_ = json.Unmarshal([]byte(strings.ReplaceAll(out, "verification_id", "VerificationID")), &res)
		if res.Status != "approved" || res.VerificationID != id {
			t.Fatalf("got %s; want %s approved\n%s", out, id, stderr)
		}
		var v struct {
			Identity     map[string]string         `json:"identity"`
			MethodResult map[string]map[string]any `json:"method_result"`
			Checks       []struct{ Name, Status string }
		}
		c.do(http.MethodGet, "/v1/verifications/"+id+"?expand=identity", nil, "", &v)
		h := synth.JPKIHolderFor(synth.JPKITestSeed, 0)
		dob, err := jpki.ParseBirthDate(h.BirthDate)
		if err != nil {
			t.Fatal(err)
		}
		if v.Identity["name"] != h.Name || v.Identity["address"] != h.Address || v.Identity["sex"] != h.Sex ||
			v.Identity["birth_date"] != dob || v.Identity["source"] != "jpki_signing_certificate" {
			t.Fatalf("identity: got %v; want the card holder %+v exactly as issued", v.Identity, h)
		}
		j := v.MethodResult["jpki"]
		if j["revocation"] != "good" || j["ordinance_method"] != "ワ" || j["cert_serial"] == "" || !strings.Contains(j["issuer"].(string), "JPKI-TEST") {
			t.Fatalf("jpki result: got %v", j)
		}
		if len(v.Checks) != 1 || v.Checks[0].Name != "jpki_signature" || v.Checks[0].Status != "passed" {
			t.Fatalf("checks: got %+v", v.Checks)
		}
	})

	t.Run("jpki+face binds the selfie, liveness still missing", func(t *testing.T) {
		id, token := create(true)
		selfie := filepath.Join(t.TempDir(), "selfie.jpg")
		if err := os.WriteFile(selfie, testPhoto(640, 480, 3), 0o600); err != nil {
			t.Fatal(err)
		}
		out, stderr, code := cli(t, env, "card", "jpki-face", "--server", srv.addr, "--client-token", token, "--virtual", "--selfie", selfie)
		if code != 0 || !strings.Contains(out, `"status":"review"`) {
			t.Fatalf("card jpki-face: exit %d %s\n%s", code, out, stderr)
		}
		var v struct {
			FaceReferenceID string `json:"face_reference_id"`
			Checks          []struct {
				Name, Status string
				Reasons      []string
			}
		}
		c.do(http.MethodGet, "/v1/verifications/"+id, nil, "", &v)
		got := map[string]string{}
		for _, ch := range v.Checks {
			got[ch.Name] = ch.Status
		}
		want := map[string]string{"jpki_signature": "passed", "image_quality": "passed", "jpki_face_binding": "passed", "liveness": "unavailable"}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("check %s: got %q; want %q", k, got[k], w)
			}
		}
		if !strings.HasPrefix(v.FaceReferenceID, "evd_") {
			t.Errorf("face reference: got %q", v.FaceReferenceID)
		}
	})

	t.Run("card link from the capture page", func(t *testing.T) {
		id, token := create(false)
		var ho struct{ Link string }
		req, _ := http.NewRequest(http.MethodPost, srv.addr+"/v1/verifications/"+id+"/handoff", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(res.Body).Decode(&ho)
		res.Body.Close()
		out, stderr, code := cli(t, env, "card", "jpki-face", "--link", ho.Link, "--virtual")
		if code != 0 || !strings.Contains(out, `"status":"signed"`) {
			t.Fatalf("card jpki-face --link: exit %d %s\n%s", code, out, stderr)
		}
		// One time: a second use of the same link is refused.
		if _, stderr, code := cli(t, env, "card", "jpki-face", "--link", ho.Link, "--virtual"); code != 2 || !strings.Contains(stderr, "handoff_token_used") {
			t.Errorf("second use: exit %d %s; want 2 and handoff_token_used", code, stderr)
		}
		if _, _, code := cli(t, env, "card", "jpki-face", "--link", "https://example.com/", "--virtual"); code != 2 {
			t.Errorf("a link that is not a card link: exit %d; want 2", code)
		}
	})

	t.Run("wrong PIN", func(t *testing.T) {
		_, token := create(false)
		_, stderr, code := cli(t, env, "card", "jpki-face", "--server", srv.addr, "--client-token", token, "--virtual", "--pin", "WRONG1")
		if code != 2 || !strings.Contains(stderr, "wrong PIN") {
			t.Fatalf("got exit %d %s; want 2 and a wrong-PIN message", code, stderr)
		}
	})
}
