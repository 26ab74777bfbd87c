package chip

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Fuzz targets for every parser of untrusted chip bytes. Errors must be
// *InvalidError (or, for TLV, errTLV); nothing may panic.

func FuzzParseBundle(f *testing.F) {
	f.Add([]byte(goodBundle))
	f.Add([]byte(`{"version":1,"document_type":"my_number_card","access":{"method":"pin"},"files":{"text/EF02":"/yAA"}}`))
	f.Add([]byte(`{"a":[{"b":{}},[]],"a":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an InvalidError", err)
			}
			return
		}
		if b.Version != BundleVersion || len(b.Files) == 0 {
			t.Fatalf("accepted %+v", b)
		}
		// Whatever parses must survive every verifier without panicking.
		_, _ = Verify(context.Background(), Options{Challenge: []byte("12345678")}, b)
	})
}

func FuzzParseSOD(f *testing.F) {
	if seeds, err := filepath.Glob("testdata/sod/*"); err == nil {
		for _, s := range seeds {
			if b, err := os.ReadFile(s); err == nil {
				f.Add(b)
			}
		}
	}
	if ml, err := os.ReadFile(filepath.Join(icaoData, "masterlists/NL_ML_2026-07-22.ml")); err == nil {
		f.Add(EncodeTLV(tagSOD, ml[:4096]))
	}
	f.Add([]byte{0x77, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSOD(data)
		if err != nil {
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an InvalidError", err)
			}
			return
		}
		if len(s.Hashes) == 0 {
			t.Fatalf("accepted an SOD without hashes")
		}
		_ = s.msg.verify()
	})
}

func FuzzLoadMasterList(f *testing.F) {
	if ml, err := os.ReadFile(filepath.Join(icaoData, "masterlists/NL_ML_2026-07-22.ml")); err == nil {
		f.Add(ml[:8192])
	}
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, _, err := LoadMasterList(data); err != nil {
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an InvalidError", err)
			}
		}
	})
}

func FuzzTLV(f *testing.F) {
	f.Add([]byte{0x5F, 0x1F, 0x01, 9})
	f.Add([]byte{0xFF, 0x20, 0x06, 0xDF, 0x22, 0x02, 'a', 'b', 0x00})
	f.Add([]byte{0x75, 0x82, 0x00, 0x03, 0x7F, 0x61, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		err := walkTLV(data, 0, func(tl tlv, depth int) {
			n++
			if len(tl.Value) > len(data) || depth > maxTLVDepth {
				t.Fatalf("object of %d bytes at depth %d from %d input bytes", len(tl.Value), depth, len(data))
			}
		})
		if err != nil && !errors.Is(err, errTLV) {
			t.Fatalf("error %v is not errTLV", err)
		}
		// Each card file parser sees the same bytes.
		for _, p := range []func([]byte) (*Image, error){ParseDG2, ParseFaceRecord} {
			if _, err := p(data); err != nil {
				var ie *InvalidError
				if !errors.As(err, &ie) {
					t.Fatalf("error %v is not an InvalidError", err)
				}
			}
		}
		for _, typ := range []DocumentType{ResidenceCard, DriversLicense, MyNumberCard, Passport} {
			b := &Bundle{Version: 1, DocumentType: typ, Files: map[string][]byte{}}
			for _, name := range FileNames(typ) {
				b.Files[name] = data
			}
			if _, err := Verify(context.Background(), Options{}, b); err != nil {
				var ie *InvalidError
				if !errors.As(err, &ie) {
					t.Fatalf("%s: error %v is not an InvalidError", typ, err)
				}
			}
		}
	})
}
