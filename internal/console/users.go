package console

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/ids"
	"github.com/kakunin-dev/kakunin/internal/tenant"
)

// usersPath is the user administration page.
const usersPath = "/console/users"

// routeUsers registers user administration: admins whose access is not
// limited to some tenants only. Other roles get 403 (their role does not
// allow it); a tenant's admin gets 404, as for a tenant not theirs.
func (h *Handler) routeUsers() {
	users := func(next func(http.ResponseWriter, *http.Request, *reqState)) http.HandlerFunc {
		return h.withSession(StageFull, h.require(PermAdminister, func(w http.ResponseWriter, r *http.Request, st *reqState) {
			if !st.user.ManagesUsers() {
				h.fail(w, r, http.StatusNotFound, "There is no such page.")
				return
			}
			next(w, r, st)
		}))
	}
	h.mux.HandleFunc("GET "+usersPath, users(h.usersPage))
	h.mux.HandleFunc("POST "+usersPath, users(h.createUserForm))
	h.mux.HandleFunc("POST "+usersPath+"/{id}/{action}", users(h.userAction))
}

type userRow struct {
	ID, Email, Role, Tenants, SecondFactor, Status, Created string
	Locked, CanUnlock, Disabled, HasTOTP, MustChange, Self  bool
	TenantIDs                                               []string
}

// newUserForm is the create form as last submitted, to correct an error.
type newUserForm struct {
	Email, Role string
	Tenants     []string // names
}

type usersData struct {
	Users   []userRow
	Roles   []Role
	Tenants []tenant.Tenant
	Form    newUserForm
}

func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request, st *reqState) {
	h.renderUsers(w, r, st, http.StatusOK, "", newUserForm{Role: string(RoleReviewer)})
}

func (h *Handler) renderUsers(w http.ResponseWriter, r *http.Request, st *reqState, status int, msg string, form newUserForm) {
	ctx := r.Context()
	users, err := h.d.Store.ListConsoleUsers(ctx)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	ts, err := h.d.Store.ConsoleTenants(ctx)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	names := map[string]string{}
	for _, t := range ts {
		names[t.ID] = t.Name
	}
	now := h.d.Now()
	d := usersData{Roles: Roles, Tenants: ts, Form: form}
	for _, u := range users {
		row := userRow{ID: u.ID, Email: u.Email, Role: string(u.Role), Created: jstTime(u.CreatedAt),
			HasTOTP: u.TOTPSealed != nil, MustChange: u.MustChangePassword, Self: u.ID == st.user.ID,
			Disabled: u.DisabledAt != nil, Locked: u.LockedUntil != nil && now.Before(*u.LockedUntil), TenantIDs: u.Tenants}
		row.CanUnlock = row.Locked || u.FailedAttempts > 0
		var tn []string
		for _, id := range u.Tenants {
			tn = append(tn, cmpOr(names[id], id))
		}
		slices.Sort(tn)
		row.Tenants = strings.Join(tn, ", ")
		if row.Tenants == "" {
			row.Tenants = "all"
			if u.Role == RoleBPO {
				row.Tenants = "none"
			}
		}
		switch {
		case u.TOTPEnrolledAt != nil:
			row.SecondFactor = "enrolled " + jstTime(*u.TOTPEnrolledAt)
		case u.TOTPSealed != nil:
			row.SecondFactor = "enrolment started"
		default:
			row.SecondFactor = "enrols at next sign-in"
		}
		switch {
		case row.Disabled:
			row.Status = "disabled"
		case row.Locked:
			row.Status = "locked until " + jstTime(*u.LockedUntil)
		default:
			row.Status = "active"
			if u.FailedAttempts > 0 {
				row.Status += " (" + strconv.Itoa(u.FailedAttempts) + " failed attempts)"
			}
		}
		d.Users = append(d.Users, row)
	}
	h.render(w, r, status, "users", page{Title: "Users", CSRF: st.sess.CSRFSecret, User: &st.user, Wide: true, Error: msg, Data: d})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// usersError shows a domain error of a users form on the users page; other
// errors get the generic page.
func (h *Handler) usersError(w http.ResponseWriter, r *http.Request, st *reqState, err error, form newUserForm) {
	var e *errkind.Error
	status := 0
	switch {
	case errors.Is(err, errkind.ErrInvalid), errors.Is(err, errkind.ErrNotFound):
		status = http.StatusUnprocessableEntity
	case errors.Is(err, errkind.ErrConflict):
		status = http.StatusConflict
	case errors.Is(err, errkind.ErrForbidden):
		status = http.StatusForbidden
	}
	if status == 0 || !errors.As(err, &e) {
		h.internal(w, r, err)
		return
	}
	h.renderUsers(w, r, st, status, capitalize(e.Detail)+".", form)
}

// userAudit appends a user administration entry to the console chain. The
// object is the user's ID; details hold codes and tenant IDs, never the
// email or a password.
func (h *Handler) userAudit(ctx context.Context, r *http.Request, st *reqState, action, userID string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	if ip := clientIP(r); ip != "" {
		detail["ip"] = ip
	}
	return h.d.Audit.Record(ctx, AuditTenant, actorOf(st.user), action, userID, detail)
}

// ---- create ----

func (h *Handler) createUserForm(w http.ResponseWriter, r *http.Request, st *reqState) {
	f := r.PostForm
	form := newUserForm{Email: strings.TrimSpace(f.Get("email")), Role: f.Get("role"), Tenants: f["tenant"]}
	if len(form.Tenants) > 1000 {
		h.fail(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	var password string
	var u User
	// The user and its audit entry commit together.
	err := h.d.Store.InTx(r.Context(), func(ctx context.Context) error {
		var err error
		if password, err = CreateUser(ctx, h.d.Store, form.Email, form.Role, form.Tenants); err != nil {
			return err
		}
		email, _ := NormalizeEmail(form.Email)
		if u, err = h.d.Store.ConsoleUserByEmail(ctx, email); err != nil {
			return err
		}
		tenants := u.Tenants
		if tenants == nil {
			tenants = []string{}
		}
		return h.userAudit(ctx, r, st, "console.user_created", u.ID, map[string]any{"role": string(u.Role), "tenants": tenants})
	})
	if err != nil {
		h.usersError(w, r, st, err, form)
		return
	}
	h.showSecret(w, r, st, "New user", secretData{What: "initial password", ID: u.ID, Account: u.Email, Secret: password,
		Back: usersPath, BackLabel: "Back to the users",
		Note: "Hand it over out-of-band: whoever holds it enrols the second factor. The user must change it at the first sign-in."})
}

// ---- actions on one user ----

// userActions maps the path's action to what it does to whom, for the
// message that refuses it on one's own account.
var userActions = map[string]string{
	"unlock":         "unlock",
	"reset-totp":     "reset the second factor of",
	"reset-password": "reset the password of",
	"disable":        "disable",
	"enable":         "enable",
	"role":           "change the role of",
	"tenants":        "change the tenants of",
}

func (h *Handler) userAction(w http.ResponseWriter, r *http.Request, st *reqState) {
	ctx, action, id := r.Context(), r.PathValue("action"), r.PathValue("id")
	verb, ok := userActions[action]
	if !ok {
		h.fail(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	if !ids.Valid("usr", id) {
		h.fail(w, r, http.StatusNotFound, "There is no such user.")
		return
	}
	u, err := h.d.Store.ConsoleUserByID(ctx, id)
	if errors.Is(err, errkind.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "There is no such user.")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if u.ID == st.user.ID {
		msg := "you cannot " + verb + " your own account; another admin must do it"
		if action == "reset-password" {
			msg += ", or use Change password"
		}
		h.usersError(w, r, st, errkind.New(errkind.ErrForbidden, "own_account", "%s", msg), newUserForm{Role: string(RoleReviewer)})
		return
	}
	var password string
	switch action {
	case "unlock":
		err = h.unlockUser(ctx, r, st, u)
	case "reset-totp":
		err = h.resetTOTP(ctx, r, st, u)
	case "reset-password":
		password, err = h.resetPassword(ctx, r, st, u)
	case "disable":
		err = h.d.Store.InTx(ctx, func(ctx context.Context) error {
			if err := h.d.Store.DisableConsoleUser(ctx, u.ID, h.d.Now().UTC()); err != nil {
				return err
			}
			return h.userAudit(ctx, r, st, "console.user_disabled", u.ID, map[string]any{"role": string(u.Role)})
		})
	case "enable":
		err = h.d.Store.InTx(ctx, func(ctx context.Context) error {
			if err := h.d.Store.EnableConsoleUser(ctx, u.ID); err != nil {
				return err
			}
			return h.userAudit(ctx, r, st, "console.user_enabled", u.ID, map[string]any{"role": string(u.Role)})
		})
	case "role":
		err = h.changeRole(ctx, r, st, u, Role(r.PostForm.Get("role")))
	case "tenants":
		if names := r.PostForm["tenant"]; len(names) > 1000 {
			err = errkind.New(errkind.ErrInvalid, "form_invalid", "the form could not be read")
		} else {
			err = h.changeTenants(ctx, r, st, u, names)
		}
	}
	if err != nil {
		h.usersError(w, r, st, err, newUserForm{Role: string(RoleReviewer)})
		return
	}
	if password != "" {
		h.showSecret(w, r, st, "New password", secretData{What: "one-time password", ID: u.ID, Account: u.Email, Secret: password,
			Back: usersPath, BackLabel: "Back to the users",
			Note: "Hand it over out-of-band. The user must change it at the next sign-in; their sessions have ended."})
		return
	}
	// No fragment to the row: a page opened at a fragment does not give the
	// heading the focus (autofocus), which screen readers start from.
	http.Redirect(w, r, usersPath, http.StatusSeeOther)
}

func (h *Handler) unlockUser(ctx context.Context, r *http.Request, st *reqState, u User) error {
	locked := u.LockedUntil != nil && h.d.Now().Before(*u.LockedUntil)
	if !locked && u.FailedAttempts == 0 {
		return errkind.New(errkind.ErrConflict, "console_user_not_locked", "the user is not locked out and has no failed attempts")
	}
	return h.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := h.d.Store.UnlockConsoleUser(ctx, u.ID); err != nil {
			return err
		}
		return h.userAudit(ctx, r, st, "console.user_unlocked", u.ID, map[string]any{"was_locked": locked, "failures": u.FailedAttempts})
	})
}

// resetTOTP forgets the user's second factor and ends their sessions: the
// next sign-in enrols a new one, so whoever holds the password does.
func (h *Handler) resetTOTP(ctx context.Context, r *http.Request, st *reqState, u User) error {
	if u.TOTPSealed == nil {
		return errkind.New(errkind.ErrConflict, "totp_not_enrolled", "the user has no second factor to reset; they enrol at the next sign-in")
	}
	return h.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := h.d.Store.ResetConsoleTOTP(ctx, u.ID); err != nil {
			return err
		}
		if err := h.d.Store.DeleteConsoleSessionsOfUser(ctx, u.ID, nil); err != nil {
			return err
		}
		return h.userAudit(ctx, r, st, "console.totp_reset", u.ID, map[string]any{"was_enrolled": u.TOTPEnrolledAt != nil})
	})
}

// resetPassword sets a generated one-time password that must be changed at
// the next sign-in, and ends the user's sessions.
func (h *Handler) resetPassword(ctx context.Context, r *http.Request, st *reqState, u User) (string, error) {
	password := generatePassword()
	hash, err := HashPassword(password) // outside the transaction: argon2id takes a while
	if err != nil {
		return "", err
	}
	err = h.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := h.d.Store.SetConsolePassword(ctx, u.ID, hash, true); err != nil {
			return err
		}
		if err := h.d.Store.DeleteConsoleSessionsOfUser(ctx, u.ID, nil); err != nil {
			return err
		}
		return h.userAudit(ctx, r, st, "console.password_reset", u.ID, map[string]any{"must_change": true})
	})
	if err != nil {
		return "", err
	}
	return password, nil
}

func (h *Handler) changeRole(ctx context.Context, r *http.Request, st *reqState, u User, role Role) error {
	switch {
	case !role.Valid():
		return errkind.New(errkind.ErrInvalid, "role_invalid", "role must be one of admin, reviewer, supervisor, bpo_reviewer, auditor")
	case role == u.Role:
		return errkind.New(errkind.ErrConflict, "role_unchanged", "the user already has the role %s", role)
	case role == RoleBPO && len(u.Tenants) == 0:
		return errkind.New(errkind.ErrInvalid, "tenant_required",
			"a bpo_reviewer must be assigned at least one tenant, and this user has access to every tenant; give the user tenants first")
	}
	return h.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := h.d.Store.SetConsoleUserRole(ctx, u.ID, role); err != nil {
			return err
		}
		return h.userAudit(ctx, r, st, "console.user_role_changed", u.ID, map[string]any{"from": string(u.Role), "to": string(role)})
	})
}

// changeTenants replaces the tenants the user may act on. The user's
// sessions stay: every request reads the user again, so a narrower scope
// applies from the next page they open.
func (h *Handler) changeTenants(ctx context.Context, r *http.Request, st *reqState, u User, names []string) error {
	ids, err := tenantIDsByName(ctx, h.d.Store, names)
	if err != nil {
		return err
	}
	from := slices.Clone(u.Tenants)
	slices.Sort(from)
	switch {
	case u.Role == RoleBPO && len(ids) == 0:
		return errkind.New(errkind.ErrInvalid, "tenant_required", "a bpo_reviewer must be assigned at least one tenant")
	case slices.Equal(from, ids):
		return errkind.New(errkind.ErrConflict, "tenants_unchanged", "the user already has exactly these tenants")
	}
	if from == nil {
		from = []string{}
	}
	to := ids
	if to == nil {
		to = []string{}
	}
	return h.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := h.d.Store.SetConsoleUserTenants(ctx, u.ID, ids); err != nil {
			return err
		}
		return h.userAudit(ctx, r, st, "console.user_tenants_changed", u.ID, map[string]any{"from": from, "to": to})
	})
}
