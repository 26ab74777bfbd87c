// Package errkind defines the handful of error kinds every domain wraps, so that
// exactly one place (internal/api) can map them to HTTP statuses.
package errkind

import (
	"errors"
	"fmt"
)

// The kinds. Domain errors wrap one of these; callers test with errors.Is.
var (
	ErrMalformed       = errors.New("malformed request")       // 400: broken syntax (JSON, multipart)
	ErrInvalid         = errors.New("invalid input")           // 422: well-formed but not acceptable
	ErrNotFound        = errors.New("not found")               // 404
	ErrConflict        = errors.New("conflict")                // 409
	ErrForbidden       = errors.New("forbidden")               // 403
	ErrUnauthenticated = errors.New("unauthenticated")         // 401
	ErrTooLarge        = errors.New("too large")               // 413
	ErrUnsupported     = errors.New("unsupported media")       // 415
	ErrRateLimited     = errors.New("rate limited")            // 429
	ErrUnavailable     = errors.New("temporarily unavailable") // 503
)

// Error is a domain error with a stable, machine-readable reason code (for
// tenants and reviewers) and a human-readable detail (for developers).
type Error struct {
	Kind   error  // one of the Err* kinds above
	Reason string // stable snake_case code, e.g. "image_too_large"
	Detail string // one sentence for a developer; never personal data
	Err    error  // optional underlying cause
}

// New returns an *Error of the given kind and reason.
func New(kind error, reason, format string, args ...any) *Error {
	return &Error{Kind: kind, Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Wrap is New with an underlying cause kept for errors.Is/As.
func Wrap(err, kind error, reason, format string, args ...any) *Error {
	e := New(kind, reason, format, args...)
	e.Err = err
	return e
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Reason, e.Detail, e.Err)
	}
	return e.Reason + ": " + e.Detail
}

// Unwrap exposes both the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Reason returns the reason code of the first *Error in err's chain, or "".
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
