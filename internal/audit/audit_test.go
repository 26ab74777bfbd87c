package audit

import (
	"testing"
	"time"
)

func TestComputeHash(t *testing.T) {
	base := Entry{TenantID: "ten_a", Seq: 1, At: time.UnixMicro(1_700_000_000_000_000), Actor: "api_key:key_1",
		Action: "verification.created", ObjectID: "ver_1", Detail: `{"a":1}`, PrevHash: Genesis}
	h := ComputeHash(base)
	if len(h) != 64 || h != ComputeHash(base) {
		t.Fatalf("got %q; want a stable 64-hex digest", h)
	}
	// Every field is covered, and moving bytes between adjacent fields
	// changes the hash (length-prefixed encoding).
	variants := map[string]func(e *Entry){
		"tenant":    func(e *Entry) { e.TenantID = "ten_b" },
		"seq":       func(e *Entry) { e.Seq = 2 },
		"time":      func(e *Entry) { e.At = e.At.Add(time.Microsecond) },
		"actor":     func(e *Entry) { e.Actor = "worker" },
		"action":    func(e *Entry) { e.Action = "verification.redacted" },
		"object":    func(e *Entry) { e.ObjectID = "ver_2" },
		"detail":    func(e *Entry) { e.Detail = `{"a":2}` },
		"prev hash": func(e *Entry) { e.PrevHash = h },
		"boundary":  func(e *Entry) { e.Actor, e.Action = "api_key:key_1verification", ".created" },
	}
	for name, mutate := range variants {
		e := base
		mutate(&e)
		if ComputeHash(e) == h {
			t.Errorf("%s changed but the hash did not", name)
		}
	}
}
