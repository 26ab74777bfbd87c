package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

func TestUserCreate(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	t.Setenv("KAKUNIN_DATA_DIR", data)
	t.Setenv("KAKUNIN_MODELS_DIR", t.TempDir()) // no face models: the command does not need them

	var stdout, stderr bytes.Buffer
	if err := runUserCreate(ctx, []string{"--email", "Rev@Example.jp", "--role", "reviewer"}, &stdout, &stderr); err != nil {
		t.Fatalf("user create: %v\n%s", err, stderr.String())
	}
	pw := strings.TrimSuffix(stdout.String(), "\n")
	if len(pw) != 20 || strings.ContainsAny(pw, " \n\t") {
		t.Fatalf("stdout %q; want the initial password alone", stdout.String())
	}
	if strings.Contains(stderr.String(), pw) {
		t.Fatal("the password also went to stderr")
	}

	tests := map[string]struct {
		args       []string
		wantCode   int
		wantReason string
	}{
		"email taken":        {[]string{"--email", "rev@example.jp", "--role", "auditor"}, 0, "console_user_exists"},
		"no role":            {[]string{"--email", "x@example.jp"}, 2, ""},
		"bad role":           {[]string{"--email", "x@example.jp", "--role", "root"}, 2, "role_invalid"},
		"bad email":          {[]string{"--email", "x", "--role", "admin"}, 2, "email_invalid"},
		"bpo without tenant": {[]string{"--email", "x@example.jp", "--role", "bpo_reviewer"}, 2, "tenant_required"},
		"unknown tenant":     {[]string{"--email", "x@example.jp", "--role", "bpo_reviewer", "--tenant", "ghost"}, 0, "tenant_not_found"},
		"stray positional":   {[]string{"--email", "x@example.jp", "--role", "admin", "extra"}, 2, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := runUserCreate(ctx, tc.args, &out, &errOut)
			var ee exitError
			code, reason := 0, errkind.Reason(err)
			if errors.As(err, &ee) {
				code, reason = ee.code, errkind.Reason(ee.err)
			}
			if err == nil || code != tc.wantCode || reason != tc.wantReason || out.Len() != 0 {
				t.Fatalf("got %v (exit %d), stdout %q; want exit %d, reason %q, nothing on stdout", err, code, out.String(), tc.wantCode, tc.wantReason)
			}
		})
	}
}
