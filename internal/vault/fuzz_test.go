package vault_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/vault"
)

// FuzzOpen feeds arbitrary bytes to Open. The tenant's data keys are fixed
// (versions 1 and 2: bytes 7... and 8...), so the seed ciphertexts below,
// sealed once under them, open in every fuzz worker. Open must never panic,
// must fail only with decrypt_failed, and may succeed only on a seed.
func FuzzOpen(f *testing.F) {
	ctx := context.Background()
	km := mustKeys(f, masterKeyLine("mk1", 1))
	ks := newMemStore()
	for version, b := range []byte{7, 8} {
		_, wrapped, err := km.Wrap(ctx, bytes.Repeat([]byte{b}, 32))
		if err != nil {
			f.Fatal(err)
		}
		if err := ks.InsertDataKey(ctx, vault.WrappedKey{TenantID: "ten_f", Version: version + 1, MasterKeyID: "mk1", Wrapped: wrapped}); err != nil {
			f.Fatal(err)
		}
	}
	v := vault.New(km, ks)
	seeds := []struct{ ct, aad, plaintext string }{
		{"01000000013e23e1e4e0eda89bfe12fc88c75449300d59555dd15479814752bf40a84a", "verification/ver_1/applicant", "hi"},
		{"0100000002ff996ca5f1635c44c375e0bd687359fca9b2bd6278e822f9ac122d3c", "", ""},
		{"0100000002d2c5607b699c4ac2d7bf6536342d729add919a8408e4eb3b7202c4922dd02044294220554ebee2245b5545cb222669fca63e8c4bb9dd8929e9c0294bd1244d635c848a86", "e", strings.Repeat("x", 40)},
	}
	for _, s := range seeds {
		ct, _ := hex.DecodeString(s.ct)
		if got, err := v.Open(ctx, "ten_f", ct, []byte(s.aad)); err != nil || string(got) != s.plaintext {
			f.Fatalf("seed %s opens to %q, %v; want %q", s.ct[:12], got, err, s.plaintext)
		}
		f.Add(ct, []byte(s.aad))
	}
	f.Add([]byte{1, 0, 0, 0, 3}, []byte(nil))
	f.Add(append([]byte{1, 0xff, 0xff, 0xff, 0xff}, make([]byte, 28)...), []byte(nil))

	f.Fuzz(func(t *testing.T, ct, aad []byte) {
		got, err := v.Open(ctx, "ten_f", ct, aad)
		if err != nil {
			if errkind.Reason(err) != "decrypt_failed" {
				t.Fatalf("Open error %v; want decrypt_failed", err)
			}
			return
		}
		for _, s := range seeds {
			if hex.EncodeToString(ct) == s.ct && string(aad) == s.aad && string(got) == s.plaintext {
				return
			}
		}
		t.Fatalf("forged ciphertext %x opened to %q", ct, got)
	})
}

// FuzzParseMasterKeys checks that any input either parses into a usable key
// set (non-empty, current last, wrap and unwrap work) or fails with
// master_key_invalid.
func FuzzParseMasterKeys(f *testing.F) {
	for _, s := range []string{
		masterKeyLine("mk1", 1),
		masterKeyLine("mk1", 1) + "\n" + masterKeyLine("mk2", 2) + "\n",
		"# c\n" + masterKeyLine("a", 1) + "," + masterKeyLine("b.c-d_e", 9),
		"mk1:", ":", ",,,", "\n", "mk1:AAAA", "mk1:" + strings.Repeat("A", 43) + "=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		km, err := vault.ParseMasterKeys(s)
		if err != nil {
			if errkind.Reason(err) != "master_key_invalid" {
				t.Fatalf("error %v; want master_key_invalid", err)
			}
			return
		}
		ids := km.KeyIDs()
		if len(ids) == 0 || km.CurrentKeyID() != ids[len(ids)-1] {
			t.Fatalf("ids %v, current %s; want a non-empty list ending in current", ids, km.CurrentKeyID())
		}
		ctx := context.Background()
		id, wrapped, err := km.Wrap(ctx, make([]byte, 32))
		if err != nil || id != km.CurrentKeyID() {
			t.Fatalf("Wrap = %s, %v", id, err)
		}
		if _, err := km.Unwrap(ctx, id, wrapped); err != nil {
			t.Fatalf("Unwrap: %v", err)
		}
	})
}
