package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kakunin-dev/kakunin/internal/applicant"
	"github.com/kakunin-dev/kakunin/internal/card"
	"github.com/kakunin-dev/kakunin/internal/synth"
)

// VirtualCardPIN is the signing password of the virtual JPKI card.
const VirtualCardPIN = synth.VirtualJPKICardPIN

// cardSigner adapts the card client to applicant.Signer.
type cardSigner struct {
	c   *card.JPKI
	pin string
}

func (s cardSigner) Sign(ctx context.Context, msg []byte) ([]byte, []byte, error) {
	return s.c.SignMessage(ctx, s.pin, msg)
}

// virtualJPKICard is a My Number card from the test PKI a kakunin server
// trusts in test mode (synth.JPKITestSeed).
func virtualJPKICard(holder int) (*card.VirtualJPKICard, error) { return synth.VirtualJPKICard(holder) }

func cardJPKIFace(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, _ := newFlags("card jpki-face", stderr)
	server := fs.String("server", "http://127.0.0.1:8080", "kakunin server URL")
	token := fs.String("client-token", "", "the verification's client token (ct_...)")
	link := fs.String("link", "", "the capture page's card link (kakunin-card://v1/handoff?...), instead of --client-token")
	selfiePath := fs.String("selfie", "", "selfie image (required when the verification binds a face)")
	virtual := fs.Bool("virtual", false, "use a virtual My Number card from the test PKI (test mode only)")
	pin := fs.String("pin", VirtualCardPIN, "the card's signing password")
	wait := fs.Duration("wait", time.Minute, "how long to wait for the decision")
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*token == "") == (*link == "") {
		return usageErr("give either --client-token or --link")
	}
	if !*virtual {
		return usageErr("no card reader transport in this build (PC/SC is not available; see docs/jpki.md): use --virtual")
	}
	if *link != "" {
		c, err := applicant.ParseCardLink(*link)
		if err != nil {
			return usageErr("%v", err)
		}
		vc, err := virtualJPKICard(0)
		if err != nil {
			return err
		}
		step := func(format string, a ...any) { fmt.Fprintf(stderr, "· "+format+"\n", a...) }
		step("virtual My Number card inserted (test PKI)")
		id, err := c.JPKIHandoff(ctx, cardSigner{c: card.NewJPKI(vc), pin: *pin}, step)
		var ae *applicant.Error
		if errors.As(err, &ae) && ae.Status < 500 {
			return exitError{2, err}
		}
		if err != nil {
			return err
		}
		return json.NewEncoder(stdout).Encode(map[string]string{"verification_id": id, "status": "signed"})
	}
	var selfie []byte
	if *selfiePath != "" {
		b, err := os.ReadFile(*selfiePath)
		if err != nil {
			return usageErr("selfie: %v", err)
		}
		selfie = b
	}
	vc, err := virtualJPKICard(0)
	if err != nil {
		return err
	}
	step := func(format string, a ...any) { fmt.Fprintf(stderr, "· "+format+"\n", a...) }
	step("virtual My Number card inserted (test PKI)")
	c := &applicant.Client{Base: *server, Token: *token}
	id, err := c.JPKI(ctx, cardSigner{c: card.NewJPKI(vc), pin: *pin}, selfie, nil, step)
	var ae *applicant.Error
	if errors.As(err, &ae) && ae.Status < 500 {
		return exitError{2, err}
	}
	if errors.Is(err, card.ErrWrongPIN) || errors.Is(err, card.ErrPINBlocked) {
		return exitError{2, err}
	}
	if err != nil {
		return err
	}
	status, err := c.Wait(ctx, *wait)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(map[string]string{"verification_id": id, "status": status})
}
