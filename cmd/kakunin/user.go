package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/kakunin-dev/kakunin/internal/app"
	"github.com/kakunin-dev/kakunin/internal/console"
	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// tenantList collects repeated --tenant flags.
type tenantList []string

func (l *tenantList) String() string { return strings.Join(*l, ",") }

func (l *tenantList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// runUserCreate is `kakunin user create --email E --role R [--tenant NAME]...`:
// it creates a console user and prints the initial password alone on
// stdout; the user must change it at first sign-in.
func runUserCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, c := newFlags("user create", stderr)
	email := fs.String("email", "", "the user's email address (their sign-in name)")
	role := fs.String("role", "", "admin, reviewer, supervisor, bpo_reviewer or auditor")
	var tenants tenantList
	fs.Var(&tenants, "tenant", "restrict the user to this tenant (repeatable; required for bpo_reviewer)")
	if err := parse(fs, args); err != nil {
		return err
	}
	// Check the input before touching any data.
	if *email == "" || *role == "" || fs.NArg() != 0 {
		return usageErr("usage: kakunin user create --email E --role R [--tenant NAME]...")
	}
	if _, err := console.NormalizeEmail(*email); err != nil {
		return exitError{2, err}
	}
	if !console.Role(*role).Valid() {
		return exitError{2, errkind.New(errkind.ErrInvalid, "role_invalid",
			"role must be one of admin, reviewer, supervisor, bpo_reviewer, auditor")}
	}
	if console.Role(*role) == console.RoleBPO && len(tenants) == 0 {
		return exitError{2, errkind.New(errkind.ErrInvalid, "tenant_required", "a bpo_reviewer needs --tenant")}
	}
	return withApp(ctx, fs, c, nil, app.Options{Migrate: true, CreateMasterKey: true}, func(a *app.App) error {
		var password, id string
		// The user and its audit entry commit together.
		err := a.Store.InTx(ctx, func(ctx context.Context) error {
			var err error
			if password, err = console.CreateUser(ctx, a.Store, *email, *role, tenants); err != nil {
				return err
			}
			norm, _ := console.NormalizeEmail(*email)
			u, err := a.Store.ConsoleUserByEmail(ctx, norm)
			if err != nil {
				return err
			}
			id = u.ID
			return a.Audit.Record(ctx, console.AuditTenant, "cli", "console.user_created", u.ID,
				map[string]any{"role": u.Role, "tenants": u.Tenants})
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "created console user %s (%s); the initial password is shown once and must be changed at first sign-in:\n", id, *role)
		fmt.Fprintln(stdout, password)
		return nil
	})
}
