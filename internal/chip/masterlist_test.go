package chip

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const icaoData = "../../../shared/data/icao"

func readShared(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(icaoData, rel))
	if err != nil {
		t.Skipf("shared ICAO data not available: %v", err)
	}
	return b
}

// The Japanese CSCAs listed in the research notes (SHA-256 of the DER),
// which the German master list must yield.
var japanCSCAs = []string{
	"764B5259B64DC7D34D7695080F8D9D523ACDB45E8436D32E3019033955066B4C",
	"5434B41ED095630D193572FF0FE821A1382FBC35051FD696AE66A00738145D8B",
	"4BFDBF58E3A6322BF6C47EB299836C93B9A648704C7853DC10ACEE165B9D1855",
	"A7E54D10482488D6DCF8DBDA88ED345D1FB04A35A8D486042E31D463B4E597F4",
	"493260E5D98322B0CF61EABCAF5FE34E182A9B82F862F8555E431A8268F984F1",
	"5284A0357D622D92142A12ACC4FB3D2C4DF2D22003D559F6D22B29F1C1B3D0AB",
	"FAFC46EB6F3C31767F70A65295CF8C6073BA2A46CE7EE60538342A0ED53007BE",
	"517722E5866363FCDDA01EC864305FDC8EEC4111757CE641A9CA2BE27052120F",
}

func TestLoadRealMasterLists(t *testing.T) {
	tests := map[string]struct {
		file    string
		country string
		signer  string // "" when the signer key is brainpool, which crypto/x509 cannot load
		minJP   int
	}{
		"German master list": {file: "masterlists/DE_ML_2026-05-28-08-28-45.ml", minJP: 8},
		"Dutch master list":  {file: "masterlists/NL_ML_2026-07-22.ml", signer: "C=NL"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			der := readShared(t, tc.file)
			store, info, err := LoadMasterList(der)
			if err != nil {
				t.Fatalf("got %v; want the master list to load", err)
			}
			t.Logf("%s: %d certificates, %d skipped, signature verified=%v signer %q chained=%v", tc.file, info.Certificates, info.Skipped, info.SignatureVerified, info.Signer, info.SignerChained)
			if info.Certificates < 100 {
				t.Errorf("got %d certificates; want hundreds", info.Certificates)
			}
			if want := tc.signer != ""; info.SignatureVerified != want || info.SignerChained != want {
				t.Errorf("got signature verified %v, chained %v; want %v", info.SignatureVerified, info.SignerChained, want)
			}
			if !strings.Contains(info.Signer, tc.signer) {
				t.Errorf("got signer %q; want one in %s", info.Signer, tc.signer)
			}
			if tc.minJP == 0 {
				return
			}
			have := map[string]bool{}
			for _, c := range store.Certificates("JP") {
				sum := sha256.Sum256(c.Raw)
				have[strings.ToUpper(hex.EncodeToString(sum[:]))] = true
			}
			for _, fp := range japanCSCAs {
				if !have[fp] {
					t.Errorf("Japanese CSCA %s… missing; got %d JP certificates", fp[:16], len(have))
				}
			}
		})
	}
}

func TestLoadMasterListRejectsTampering(t *testing.T) {
	der := readShared(t, "masterlists/NL_ML_2026-07-22.ml")
	bad := append([]byte(nil), der...)
	bad[len(bad)/2] ^= 0x01 // inside the certificate list: the messageDigest no longer matches
	_, _, err := LoadMasterList(bad)
	if got := ReasonOf(err); got != ReasonBadSignature && got != ReasonMalformedSOD {
		t.Fatalf("got reason %q (%v); want bad_signature or malformed_sod", got, err)
	}
}

// Japan's link certificates must verify under the roots they link from:
// this exercises RSASSA-PSS and ECDSA P-384 keys stored with explicit
// domain parameters, which crypto/x509 cannot load unaided.
func TestJapaneseLinkCertificatesVerify(t *testing.T) {
	store, _, err := LoadMasterList(readShared(t, "masterlists/DE_ML_2026-05-28-08-28-45.ml"))
	if err != nil {
		t.Fatal(err)
	}
	jp := store.Certificates("JP")
	links, verified := 0, 0
	for _, c := range jp {
		if bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId) || len(c.AuthorityKeyId) == 0 {
			continue
		}
		links++
		for _, p := range jp {
			if !bytes.Equal(p.SubjectKeyId, c.AuthorityKeyId) || p == c {
				continue
			}
			if err := c.CheckSignatureFrom(p); err != nil {
				t.Logf("link %x from %x: %v", c.SubjectKeyId[:4], p.SubjectKeyId[:4], err)
				continue
			}
			verified++
			break
		}
	}
	if links != 4 || verified != 4 {
		t.Fatalf("got %d of %d link certificates verified; want 4 of 4", verified, links)
	}
}
