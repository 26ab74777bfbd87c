package card

import (
	"bytes"
	"context"
	"encoding/hex"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// icaoScript replays the chip's side of ICAO 9303-11's BAC worked
// example and records what the reader sent.
type icaoScript struct {
	t    testing.TB
	sent [][]byte
}

func (s *icaoScript) Transmit(_ context.Context, apdu []byte) ([]byte, error) {
	s.sent = append(s.sent, bytes.Clone(apdu))
	switch apdu[1] {
	case 0xA4:
		return []byte{0x90, 0x00}, nil
	case 0x84:
		return append(unhex(s.t, "4608F91988702212"), 0x90, 0x00), nil
	case 0x82:
		return append(unhex(s.t, "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449"), 0x90, 0x00), nil
	}
	return []byte{0x6D, 0x00}, nil
}

// TestBACICAOWorkedExample checks key derivation, mutual authentication
// and secure messaging against ICAO 9303-11's published example (MRZ
// L898902C<3 690806 1 940623 6).
func TestBACICAOWorkedExample(t *testing.T) {
	k := BACKey{DocumentNumber: "L898902C", BirthDate: "690806", ExpiryDate: "940623"}
	if info, _ := k.mrzInfo(); info != "L898902C<369080619406236" {
		t.Fatalf("got MRZ information %q; want L898902C<369080619406236", info)
	}
	kenc, kmac, err := k.keys()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(kenc, unhex(t, "AB94FDECF2674FDFB9B391F85D7F76F2")) || !bytes.Equal(kmac, unhex(t, "7962D9ECE03D1ACD4C76089DCE131543")) {
		t.Fatalf("got Kenc %X Kmac %X; want the example's", kenc, kmac)
	}
	script := &icaoScript{t: t}
	rnd := bytes.NewReader(unhex(t, "781723860C06C226"+"0B795240CB7049B01C19B33E32804F0B"))
	bt, err := openBAC(context.Background(), script, k, rnd)
	if err != nil {
		t.Fatalf("got %v; want BAC to succeed", err)
	}
	wantMA := "0082000028" + "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2" + "5F1448EEA8AD90A7" + "28"
	if got := hex.EncodeToString(script.sent[2]); !bytes.EqualFold([]byte(got), []byte(wantMA)) {
		t.Errorf("got MUTUAL AUTHENTICATE %s; want %s", got, wantMA)
	}
	s := bt.s
	if !bytes.Equal(s.ksEnc, unhex(t, "979EC13B1CBFE9DCD01AB0FED307EAE5")) || !bytes.Equal(s.ksMAC, unhex(t, "F1CB1F1FB5ADF208806B89DC579DC1F8")) || !bytes.Equal(s.ssc[:], unhex(t, "887022120C06C226")) {
		t.Fatalf("got KSenc %X KSmac %X SSC %X; want the example's", s.ksEnc, s.ksMAC, s.ssc)
	}
	steps := []struct {
		cmd       Command
		protected string
		response  string
		plain     string
	}{
		{Command{CLA: 0x00, INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x01, 0x1E}}, "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800", "990290008E08FA855A5D4C50A8ED9000", "9000"},
		{Command{CLA: 0x00, INS: 0xB0, Le: 4}, "0CB000000D9701048E08ED6705417E96BA5500", "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000", "60145F019000"},
		{Command{CLA: 0x00, INS: 0xB0, P2: 0x04, Le: 0x12}, "0CB000040D9701128E082EA28A70F3C7B53500",
			"871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000", "04303130365F36063034303030305C0261759000"},
	}
	for _, st := range steps {
		p, err := s.protect(st.cmd)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p, unhex(t, st.protected)) {
			t.Fatalf("got protected %X; want %s", p, st.protected)
		}
		plain, err := s.unprotectResponse(unhex(t, st.response))
		if err != nil || !bytes.Equal(plain, unhex(t, st.plain)) {
			t.Fatalf("got %X, %v; want %s", plain, err, st.plain)
		}
	}
	bad := unhex(t, "990290008E08FA855A5D4C50A8ED9000")
	if _, err := s.unprotectResponse(bad); err == nil {
		t.Errorf("got a replayed response accepted; want a MAC error")
	}
}

// FuzzSecureMessaging feeds arbitrary bytes to both unwrapping sides of
// a session; nothing may panic and nothing unauthenticated may pass.
func FuzzSecureMessaging(f *testing.F) {
	f.Add([]byte{0x99, 0x02, 0x90, 0x00, 0x8E, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x90, 0x00})
	f.Add([]byte{0x87, 0x81, 0x09, 0x01, 0x90, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &smSession{ksEnc: unhex(t, "979EC13B1CBFE9DCD01AB0FED307EAE5"), ksMAC: unhex(t, "F1CB1F1FB5ADF208806B89DC579DC1F8")}
		if plain, err := s.unprotectResponse(data); err == nil && len(data) > 2 {
			t.Fatalf("accepted %X as %X without a valid MAC", data, plain)
		}
		if c, err := ParseCommand(append([]byte{0x0C, 0xB0, 0x00, 0x00, byte(len(data))}, data...)); err == nil && len(data) > 0 && len(data) < 256 {
			if _, err := s.unprotectCommand(c); err == nil {
				t.Fatalf("accepted a protected command %X without a valid MAC", data)
			}
		}
	})
}
