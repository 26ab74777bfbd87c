package card

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/des"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kakunin-dev/kakunin/internal/mrz"
)

// Basic Access Control (ICAO 9303-11 §4.3): the reader proves it saw the
// MRZ, both sides derive 3DES session keys, and every later APDU travels
// under secure messaging (encrypted data DO87, Le DO97, status DO99,
// retail MAC DO8E). BAC protects the read from skimming; it is no
// evidence for the server, which relies on passive and active
// authentication instead.

// BACKey is the part of the MRZ that opens a passport chip.
type BACKey struct {
	DocumentNumber string // as in the MRZ, without fillers
	BirthDate      string // YYMMDD
	ExpiryDate     string // YYMMDD
}

// BACKeyFromMRZ takes the key fields from a parsed MRZ.
func BACKeyFromMRZ(m *mrz.MRZ) BACKey {
	return BACKey{DocumentNumber: m.DocumentNumber, BirthDate: m.BirthDate, ExpiryDate: m.ExpiryDate}
}

// mrzInfo is document number (padded to at least 9) ‖ check digit ‖
// birth date ‖ check digit ‖ expiry date ‖ check digit.
func (k BACKey) mrzInfo() (string, error) {
	num := k.DocumentNumber
	for len(num) < 9 {
		num += "<"
	}
	if len(k.BirthDate) != 6 || len(k.ExpiryDate) != 6 {
		return "", errors.New("card: BAC dates must be YYMMDD")
	}
	var b strings.Builder
	for _, f := range []string{num, k.BirthDate, k.ExpiryDate} {
		cd := mrz.CheckDigit(f)
		if cd < 0 {
			return "", errors.New("card: BAC key holds a character the MRZ cannot")
		}
		b.WriteString(f + strconv.Itoa(cd))
	}
	return b.String(), nil
}

// deriveKey is the ICAO 9303-11 KDF for 3DES: SHA-1(seed ‖ counter),
// 16 bytes, DES parity bits adjusted.
func deriveKey(seed []byte, counter uint32) []byte {
	h := sha1.New()
	h.Write(seed)
	binary.Write(h, binary.BigEndian, counter)
	k := h.Sum(nil)[:16]
	for i, b := range k {
		b &= 0xFE
		ones := 0
		for x := b; x != 0; x >>= 1 {
			ones += int(x & 1)
		}
		if ones%2 == 0 {
			b |= 1
		}
		k[i] = b
	}
	return k
}

func (k BACKey) keys() (kenc, kmac []byte, err error) {
	info, err := k.mrzInfo()
	if err != nil {
		return nil, nil, err
	}
	sum := sha1.Sum([]byte(info))
	seed := sum[:16]
	return deriveKey(seed, 1), deriveKey(seed, 2), nil
}

func tdes(key []byte) cipher.Block {
	b, err := des.NewTripleDESCipher(append(bytes.Clone(key[:16]), key[:8]...))
	if err != nil {
		panic(err) // 24-byte keys cannot fail
	}
	return b
}

func pad(b []byte) []byte {
	out := append(bytes.Clone(b), 0x80)
	for len(out)%8 != 0 {
		out = append(out, 0)
	}
	return out
}

func unpad(b []byte) ([]byte, error) {
	i := bytes.LastIndexByte(b, 0x80)
	if i < 0 || len(b)-i > 8 || len(bytes.Trim(b[i+1:], "\x00")) != 0 {
		return nil, errors.New("card: bad ISO 9797-1 padding")
	}
	return b[:i], nil
}

func encrypt(key, plain []byte) []byte {
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(tdes(key), make([]byte, 8)).CryptBlocks(out, plain)
	return out
}

func decrypt(key, ct []byte) ([]byte, error) {
	if len(ct) == 0 || len(ct)%8 != 0 {
		return nil, errors.New("card: ciphertext is not whole 3DES blocks")
	}
	out := make([]byte, len(ct))
	cipher.NewCBCDecrypter(tdes(key), make([]byte, 8)).CryptBlocks(out, ct)
	return out, nil
}

// retailMAC is ISO 9797-1 MAC algorithm 3 over already padded data:
// single-DES CBC with K1, then the last block decrypted with K2 and
// encrypted with K1.
func retailMAC(key, padded []byte) []byte {
	k1, _ := des.NewCipher(key[:8])
	k2, _ := des.NewCipher(key[8:16])
	h := make([]byte, 8)
	for i := 0; i < len(padded); i += 8 {
		subtle.XORBytes(h, h, padded[i:i+8])
		k1.Encrypt(h, h)
	}
	k2.Decrypt(h, h)
	k1.Encrypt(h, h)
	return h
}

// smSession is the secure-messaging state shared by reader and chip.
type smSession struct {
	ksEnc, ksMAC []byte
	ssc          [8]byte
}

func (s *smSession) next() []byte {
	binary.BigEndian.PutUint64(s.ssc[:], binary.BigEndian.Uint64(s.ssc[:])+1)
	return s.ssc[:]
}

func lengthDO(tag byte, v []byte) []byte {
	return append(append([]byte{tag}, berLen(len(v))...), v...)
}

func berLen(n int) []byte {
	switch {
	case n < 0x80:
		return []byte{byte(n)}
	case n <= 0xFF:
		return []byte{0x81, byte(n)}
	default:
		return []byte{0x82, byte(n >> 8), byte(n)}
	}
}

// protect wraps a plain command (reader side).
func (s *smSession) protect(c Command) ([]byte, error) {
	header := []byte{c.CLA | 0x0C, c.INS, c.P1, c.P2}
	var dos []byte
	if len(c.Data) > 0 {
		dos = append(dos, lengthDO(0x87, append([]byte{0x01}, encrypt(s.ksEnc, pad(c.Data))...))...)
	}
	if c.Le > 0 {
		dos = append(dos, 0x97, 0x01, byte(c.Le)) // 256 wraps to 00
	}
	mac := retailMAC(s.ksMAC, pad(append(append(bytes.Clone(s.next()), pad(header)...), dos...)))
	dos = append(dos, lengthDO(0x8E, mac)...)
	if len(dos) > 255 {
		return nil, fmt.Errorf("card: protected command of %d bytes needs extended length", len(dos))
	}
	return append(append(header, byte(len(dos))), append(dos, 0x00)...), nil
}

// splitDOs reads the simple TLVs of a secure-messaging body.
func splitDOs(b []byte) (map[byte][]byte, []byte, error) {
	m := map[byte][]byte{}
	var order []byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, nil, errors.New("card: truncated SM object")
		}
		tag, n, hl := b[0], int(b[1]), 2
		switch b[1] {
		case 0x81:
			if len(b) < 3 {
				return nil, nil, errors.New("card: truncated SM length")
			}
			n, hl = int(b[2]), 3
		case 0x82:
			if len(b) < 4 {
				return nil, nil, errors.New("card: truncated SM length")
			}
			n, hl = int(b[2])<<8|int(b[3]), 4
		default:
			if b[1] >= 0x80 {
				return nil, nil, errors.New("card: SM length form")
			}
		}
		if len(b) < hl+n {
			return nil, nil, errors.New("card: truncated SM object")
		}
		if _, dup := m[tag]; dup {
			return nil, nil, errors.New("card: repeated SM object")
		}
		m[tag] = b[hl : hl+n]
		order = append(order, tag)
		b = b[hl+n:]
	}
	return m, order, nil
}

var errSMMAC = errors.New("card: secure messaging MAC does not verify")

// unprotectResponse checks and opens a protected response (reader side)
// and returns the plain response APDU.
func (s *smSession) unprotectResponse(raw []byte) ([]byte, error) {
	r, err := ParseResponse(raw)
	if err != nil {
		return nil, err
	}
	ssc := s.next()
	if len(r.Data) == 0 {
		return sw(r.SW), nil // an error status the chip could not protect
	}
	dos, _, err := splitDOs(r.Data)
	if err != nil {
		return nil, err
	}
	mac, ok := dos[0x8E]
	sw99, ok99 := dos[0x99]
	if !ok || !ok99 || len(sw99) != 2 {
		return nil, errors.New("card: protected response lacks DO99 or DO8E")
	}
	macd := r.Data[:len(r.Data)-len(mac)-2]
	if subtle.ConstantTimeCompare(retailMAC(s.ksMAC, pad(append(bytes.Clone(ssc), macd...))), mac) != 1 {
		return nil, errSMMAC
	}
	var plain []byte
	if enc, ok := dos[0x87]; ok {
		if len(enc) < 1 || enc[0] != 0x01 {
			return nil, errors.New("card: DO87 padding indicator")
		}
		d, err := decrypt(s.ksEnc, enc[1:])
		if err != nil {
			return nil, err
		}
		if plain, err = unpad(d); err != nil {
			return nil, err
		}
	}
	return append(plain, sw99...), nil
}

// unprotectCommand checks and opens a protected command (chip side).
func (s *smSession) unprotectCommand(c Command) (Command, error) {
	if c.CLA&0x0C != 0x0C {
		return Command{}, errors.New("card: command is not protected")
	}
	dos, _, err := splitDOs(c.Data)
	if err != nil {
		return Command{}, err
	}
	mac, ok := dos[0x8E]
	if !ok || len(mac) != 8 {
		return Command{}, errors.New("card: protected command lacks DO8E")
	}
	header := []byte{c.CLA, c.INS, c.P1, c.P2}
	body := c.Data[:len(c.Data)-10]
	if subtle.ConstantTimeCompare(retailMAC(s.ksMAC, pad(append(append(bytes.Clone(s.next()), pad(header)...), body...))), mac) != 1 {
		return Command{}, errSMMAC
	}
	plain := Command{CLA: c.CLA &^ 0x0C, INS: c.INS, P1: c.P1, P2: c.P2}
	if enc, ok := dos[0x87]; ok {
		if len(enc) < 1 || enc[0] != 0x01 {
			return Command{}, errors.New("card: DO87 padding indicator")
		}
		d, err := decrypt(s.ksEnc, enc[1:])
		if err != nil {
			return Command{}, err
		}
		if plain.Data, err = unpad(d); err != nil {
			return Command{}, err
		}
	}
	if le, ok := dos[0x97]; ok {
		if len(le) != 1 {
			return Command{}, errors.New("card: DO97 length")
		}
		plain.Le = leValue(le[0])
	}
	return plain, nil
}

// protectResponse wraps a plain response (chip side).
func (s *smSession) protectResponse(plain []byte) []byte {
	r, err := ParseResponse(plain)
	if err != nil {
		return plain
	}
	var dos []byte
	if len(r.Data) > 0 {
		dos = append(dos, lengthDO(0x87, append([]byte{0x01}, encrypt(s.ksEnc, pad(r.Data))...))...)
	}
	dos = append(dos, 0x99, 0x02, byte(r.SW>>8), byte(r.SW))
	mac := retailMAC(s.ksMAC, pad(append(bytes.Clone(s.next()), dos...)))
	return withSW(append(dos, lengthDO(0x8E, mac)...), SWSuccess)
}

func sessionFrom(kIFD, kIC, rndIC, rndIFD []byte) *smSession {
	seed := make([]byte, 16)
	subtle.XORBytes(seed, kIFD, kIC)
	s := &smSession{ksEnc: deriveKey(seed, 1), ksMAC: deriveKey(seed, 2)}
	copy(s.ssc[:4], rndIC[4:8])
	copy(s.ssc[4:], rndIFD[4:8])
	return s
}

// ErrBACFailed is returned when the chip refuses the MRZ-derived keys or
// its answer does not authenticate.
var ErrBACFailed = errors.New("card: basic access control failed (wrong MRZ data?)")

// OpenBAC runs BAC with the chip behind t (the eMRTD application is
// selected first) and returns a Transport that sends every APDU under
// secure messaging.
func OpenBAC(ctx context.Context, t Transport, k BACKey) (Transport, error) {
	return openBAC(ctx, t, k, rand.Reader)
}

func openBAC(ctx context.Context, t Transport, k BACKey, rnd io.Reader) (*bacTransport, error) {
	kenc, kmac, err := k.keys()
	if err != nil {
		return nil, err
	}
	if err := selectApp(ctx, t, AIDEMRTD); err != nil {
		return nil, err
	}
	rndIC, err := transmit(ctx, t, "GET CHALLENGE", Command{CLA: 0x00, INS: 0x84, Le: 8})
	if err != nil {
		return nil, err
	}
	if len(rndIC) != 8 {
		return nil, fmt.Errorf("card: GET CHALLENGE: %w: %d bytes", ErrMalformedResponse, len(rndIC))
	}
	secret := make([]byte, 8+16)
	if _, err := io.ReadFull(rnd, secret); err != nil {
		return nil, err
	}
	rndIFD, kIFD := secret[:8], secret[8:]
	e := encrypt(kenc, append(append(bytes.Clone(rndIFD), rndIC...), kIFD...))
	m := retailMAC(kmac, pad(e))
	resp, err := transmit(ctx, t, "MUTUAL AUTHENTICATE", Command{CLA: 0x00, INS: 0x82, Data: append(e, m...), Le: 40})
	var se *StatusError
	if errors.As(err, &se) && (se.SW == SWSecurityStatus || se.SW == 0x6300) {
		return nil, ErrBACFailed
	}
	if err != nil {
		return nil, err
	}
	if len(resp) != 40 || subtle.ConstantTimeCompare(retailMAC(kmac, pad(resp[:32])), resp[32:]) != 1 {
		return nil, ErrBACFailed
	}
	r, _ := decrypt(kenc, resp[:32])
	if !bytes.Equal(r[:8], rndIC) || !bytes.Equal(r[8:16], rndIFD) {
		return nil, ErrBACFailed
	}
	return &bacTransport{t: t, s: sessionFrom(kIFD, r[16:32], rndIC, rndIFD)}, nil
}

type bacTransport struct {
	t Transport
	s *smSession
}

// Transmit protects apdu, sends it and returns the opened response.
func (b *bacTransport) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	c, err := ParseCommand(apdu)
	if err != nil {
		return nil, err
	}
	p, err := b.s.protect(c)
	if err != nil {
		return nil, err
	}
	raw, err := b.t.Transmit(ctx, p)
	if err != nil {
		return nil, err
	}
	return b.s.unprotectResponse(raw)
}

// bacChip is the chip side of BAC for VirtualChip.
type bacChip struct {
	kenc, kmac []byte
	rndIC      []byte // the last GET CHALLENGE answer, single use
}

func newBACChip(k BACKey) (*bacChip, error) {
	kenc, kmac, err := k.keys()
	if err != nil {
		return nil, err
	}
	return &bacChip{kenc: kenc, kmac: kmac}, nil
}

func (b *bacChip) getChallenge(c Command) []byte {
	if c.P1 != 0 || c.P2 != 0 || c.Le != 8 || len(c.Data) != 0 {
		return sw(SWWrongLength)
	}
	b.rndIC = make([]byte, 8)
	rand.Read(b.rndIC)
	return withSW(b.rndIC, SWSuccess)
}

// mutualAuthenticate checks the reader's cryptogram and answers with the
// chip's; on success it returns the new session.
func (b *bacChip) mutualAuthenticate(c Command) ([]byte, *smSession) {
	rndIC := b.rndIC
	b.rndIC = nil
	if len(c.Data) != 40 || rndIC == nil {
		return sw(0x6300), nil
	}
	if subtle.ConstantTimeCompare(retailMAC(b.kmac, pad(c.Data[:32])), c.Data[32:]) != 1 {
		return sw(0x6300), nil
	}
	s, _ := decrypt(b.kenc, c.Data[:32])
	if !bytes.Equal(s[8:16], rndIC) {
		return sw(0x6300), nil
	}
	rndIFD, kIFD := s[:8], s[16:32]
	kIC := make([]byte, 16)
	rand.Read(kIC)
	e := encrypt(b.kenc, append(append(bytes.Clone(rndIC), rndIFD...), kIC...))
	return withSW(append(e, retailMAC(b.kmac, pad(e))...), SWSuccess), sessionFrom(kIFD, kIC, rndIC, rndIFD)
}
