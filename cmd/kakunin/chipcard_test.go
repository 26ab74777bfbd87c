package main

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

// The card client reads a virtual passport answering the server's challenge;
// the server verifies it as chip_verified. Every other type reads too.
func TestCardReadEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	data := t.TempDir()
	env := []string{"KAKUNIN_DATA_DIR=" + data}
	cli(t, env, "tenant", "create", "shop")
	key, _, _ := cli(t, env, "apikey", "create", "--tenant", "shop")
	srv := start(t, env, "serve", "--addr", "127.0.0.1:0", "--workers", "1")
	c := client{t: t, base: srv.addr, key: strings.TrimSpace(key)}
	for _, typ := range []string{"passport", "residence_card", "drivers_license", "my_number_card"} {
		t.Run(typ, func(t *testing.T) {
			var v struct{ ID string }
			c.do(http.MethodPost, "/v1/verifications", strings.NewReader(`{"method":"ic_chip","reference_id":"r"}`), "application/json", &v)
			var ch struct{ Challenge string }
			if st := c.do(http.MethodPost, "/v1/verifications/"+v.ID+"/chip/challenge", nil, "", &ch); st != 201 {
				t.Fatalf("challenge: %d", st)
			}
			if _, err := base64.StdEncoding.DecodeString(ch.Challenge); err != nil {
				t.Fatal(err)
			}
			bundle, stderr, code := cli(t, nil, "card", "read", "--type", typ, "--virtual", "--challenge", ch.Challenge)
			if code != 0 {
				t.Fatalf("card read: %d %s", code, stderr)
			}
			var res struct {
				MethodResult map[string]map[string]any `json:"method_result"`
			}
			if st := c.do(http.MethodPost, "/v1/verifications/"+v.ID+"/chip", strings.NewReader(bundle), "application/json", &res); st != 200 {
				t.Fatalf("chip: %d %v", st, res)
			}
			got := res.MethodResult["chip"]
			want := map[string]string{"passport": "chip_verified", "residence_card": "passive_only",
				"drivers_license": "unverified", "my_number_card": "unverified"}[typ]
			if got["authenticity"] != want || got["ordinance_method"] != "ヘ" {
				t.Fatalf("chip result: got %v; want authenticity %s", got, want)
			}
		})
	}
	if _, stderr, code := cli(t, nil, "card", "read", "--type", "library_card", "--virtual"); code != 2 || !strings.Contains(stderr, "--type") {
		t.Fatalf("unknown type: exit %d %s", code, stderr)
	}
}
