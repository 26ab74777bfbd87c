package webhook

import (
	"io"
	"net/http"
	"time"
)

// Receiver is a reference webhook receiver: it checks each delivery's
// Kakunin-Signature over the raw body and hands verified events to OnEvent.
// `kakunin webhook listen` and the tests use it; integrators can read it as
// an example of what their receiver must do.
type Receiver struct {
	Secret    string
	Tolerance time.Duration // 0 means DefaultTolerance
	OnEvent   func(eventID string, body []byte)
	OnReject  func(err error)
	Now       func() time.Time
}

// ServeHTTP implements http.Handler.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	now, tol := time.Now(), rc.Tolerance
	if rc.Now != nil {
		now = rc.Now()
	}
	if tol == 0 {
		tol = DefaultTolerance
	}
	if err := Verify(r.Header.Get(SignatureHeader), rc.Secret, body, now, tol); err != nil {
		if rc.OnReject != nil {
			rc.OnReject(err)
		}
		http.Error(w, "signature rejected", http.StatusUnauthorized)
		return
	}
	if rc.OnEvent != nil {
		rc.OnEvent(r.Header.Get(EventIDHeader), body)
	}
	w.WriteHeader(http.StatusNoContent)
}
