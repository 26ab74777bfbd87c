package console

import (
	"context"
	"crypto/rand"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/kakunin-dev/kakunin/internal/audit"
	"github.com/kakunin-dev/kakunin/internal/errkind"
	"github.com/kakunin-dev/kakunin/internal/ids"
	"github.com/kakunin-dev/kakunin/internal/tenant"
)

// AuditTenant is the pseudo-tenant whose audit chain records console
// sign-ins and account changes, and under whose vault key TOTP secrets are
// sealed. Sign-in events belong to no applicant's tenant: admins and
// auditors span tenants, and a failed attempt for an unknown email has no
// tenant at all. Actions on a tenant's cases go to that tenant's chain.
const AuditTenant = "console"

// Role is what a console user may do.
type Role string

// Roles.
const (
	RoleAdmin      Role = "admin"        // tenant settings, users, API keys, webhooks
	RoleReviewer   Role = "reviewer"     // decides cases
	RoleSupervisor Role = "supervisor"   // decides cases and gives second approvals
	RoleBPO        Role = "bpo_reviewer" // decides cases of assigned tenants only; no export
	RoleAuditor    Role = "auditor"      // read-only: cases and the audit log
)

// Roles lists every role, for validation and help text.
var Roles = []Role{RoleAdmin, RoleReviewer, RoleSupervisor, RoleBPO, RoleAuditor}

// Permission is one kind of console action.
type Permission string

// Permissions.
const (
	PermReview         Permission = "review"          // claim and decide cases
	PermSecondApproval Permission = "second_approval" // the second pair of eyes
	PermViewCases      Permission = "view_cases"
	PermViewAudit      Permission = "view_audit"
	PermExport         Permission = "export"
	PermAdminister     Permission = "administer" // users, API keys, webhooks, settings
)

var grants = map[Role][]Permission{
	RoleAdmin:      {PermViewCases, PermViewAudit, PermExport, PermAdminister},
	RoleReviewer:   {PermReview, PermViewCases},
	RoleSupervisor: {PermReview, PermSecondApproval, PermViewCases},
	RoleBPO:        {PermReview, PermViewCases},
	RoleAuditor:    {PermViewCases, PermViewAudit, PermExport},
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := grants[r]; return ok }

// Can reports whether the role grants p.
func (r Role) Can(p Permission) bool { return slices.Contains(grants[r], p) }

// User is a console user as stored.
type User struct {
	ID                 string
	Email              string
	Role               Role
	Tenants            []string // tenant IDs; empty means all (never for bpo_reviewer)
	PasswordHash       string   // argon2id, PHC string form
	MustChangePassword bool
	TOTPSealed         []byte     // sealed by the vault; nil until enrolment starts
	TOTPEnrolledAt     *time.Time // set once a code from the secret was entered
	TOTPLastStep       int64      // the last accepted time step: older or equal codes are refused
	FailedAttempts     int
	LockedUntil        *time.Time
	CreatedAt          time.Time
	DisabledAt         *time.Time // set while an admin has disabled the user
}

// Can reports whether the user's role grants p.
func (u User) Can(p Permission) bool { return u.Role.Can(p) }

// ManagesUsers reports whether the user may administer console users: an
// admin whose access is not limited to some tenants. A tenant's admin could
// otherwise create a user with access to every tenant.
func (u User) ManagesUsers() bool { return u.Can(PermAdminister) && len(u.Tenants) == 0 }

// CanAccessTenant reports whether the user may see tenantID's data. A
// bpo_reviewer with no tenants (which CreateUser refuses) sees nothing.
func (u User) CanAccessTenant(tenantID string) bool {
	if tenantID == "" || tenantID == AuditTenant {
		return false
	}
	if len(u.Tenants) == 0 {
		return u.Role != RoleBPO && u.Role.Valid()
	}
	return slices.Contains(u.Tenants, tenantID)
}

// Stage is how far a session has authenticated.
type Stage string

// Stages.
const (
	StagePassword Stage = "password" // the password was right; the second factor is due
	StageFull     Stage = "full"
)

// Session is a console session as stored: only the token's hash.
type Session struct {
	TokenHash  []byte
	UserID     string
	Stage      Stage
	CSRFSecret string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end; the idle limit is counted from LastSeenAt
}

// Store is what the console needs from persistence.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	TenantByName(ctx context.Context, name string) (tenant.Tenant, error)
	// ConsoleTenants lists every tenant but AuditTenant.
	ConsoleTenants(ctx context.Context) ([]tenant.Tenant, error)
	// SearchAudit lists one tenant's audit entries matching q, in chain order.
	SearchAudit(ctx context.Context, q AuditQuery) ([]audit.Entry, error)
	// DashboardStats counts the dashboard's figures for q.
	DashboardStats(ctx context.Context, q StatsQuery) (Stats, error)

	InsertConsoleUser(ctx context.Context, u User) error
	ConsoleUserByID(ctx context.Context, id string) (User, error)
	ConsoleUserByEmail(ctx context.Context, email string) (User, error)
	// ConsoleLoginFailed adds one to the user's failed attempts and returns the new count.
	ConsoleLoginFailed(ctx context.Context, id string) (int, error)
	// LockConsoleUser locks the user until the given time and clears the count.
	LockConsoleUser(ctx context.Context, id string, until time.Time) error
	// ConsoleLoginSucceeded clears the failed attempts.
	ConsoleLoginSucceeded(ctx context.Context, id string) error
	SetConsolePassword(ctx context.Context, id, hash string, mustChange bool) error
	// SetConsoleTOTPSecret stores a new, not yet confirmed, sealed secret.
	SetConsoleTOTPSecret(ctx context.Context, id string, sealed []byte) error
	ConfirmConsoleTOTP(ctx context.Context, id string, at time.Time) error
	// UseConsoleTOTPStep records step as used if it is later than the last
	// used one, atomically; false means the code was already spent.
	UseConsoleTOTPStep(ctx context.Context, id string, step int64) (bool, error)

	// ListConsoleUsers lists every console user with their tenants.
	ListConsoleUsers(ctx context.Context) ([]User, error)
	// UnlockConsoleUser clears the lock and the failed attempts.
	UnlockConsoleUser(ctx context.Context, id string) error
	// ResetConsoleTOTP forgets the second factor (the next sign-in enrols
	// again); the last used time step stays.
	ResetConsoleTOTP(ctx context.Context, id string) error
	// DisableConsoleUser disables the user and ends their sessions; an
	// already disabled user is a conflict (console_user_disabled).
	DisableConsoleUser(ctx context.Context, id string, at time.Time) error
	// EnableConsoleUser enables a disabled user; an active user is a
	// conflict (console_user_active).
	EnableConsoleUser(ctx context.Context, id string) error
	// SetConsoleUserRole changes the user's role; the tenants stay.
	SetConsoleUserRole(ctx context.Context, id string, role Role) error
	// SetConsoleUserTenants replaces the tenants the user may act on; none
	// means every tenant.
	SetConsoleUserTenants(ctx context.Context, id string, tenantIDs []string) error

	InsertConsoleSession(ctx context.Context, s Session) error
	ConsoleSessionByHash(ctx context.Context, hash []byte) (Session, error)
	TouchConsoleSession(ctx context.Context, hash []byte, at time.Time) error
	DeleteConsoleSession(ctx context.Context, hash []byte) error
	// DeleteConsoleSessionsOfUser ends every session of the user but except.
	DeleteConsoleSessionsOfUser(ctx context.Context, userID string, except []byte) error
}

// NormalizeEmail lower-cases and checks an email address; staff type it at
// every sign-in, so case must not matter.
func NormalizeEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" || len(e) > 254 {
		return "", errkind.New(errkind.ErrInvalid, "email_invalid", "the email address is not valid")
	}
	return e, nil
}

// CreateUser creates a console user and returns the initial password, which
// is shown once, stored only as a hash and must be changed at first sign-in.
// tenantNames restricts the user to those tenants; bpo_reviewer needs one.
func CreateUser(ctx context.Context, st Store, email, role string, tenantNames []string) (password string, err error) {
	email, err = NormalizeEmail(email)
	if err != nil {
		return "", err
	}
	r := Role(role)
	if !r.Valid() {
		return "", errkind.New(errkind.ErrInvalid, "role_invalid",
			"role must be one of admin, reviewer, supervisor, bpo_reviewer, auditor")
	}
	if r == RoleBPO && len(tenantNames) == 0 {
		return "", errkind.New(errkind.ErrInvalid, "tenant_required", "a bpo_reviewer must be assigned at least one tenant")
	}
	tenantIDs, err := tenantIDsByName(ctx, st, tenantNames)
	if err != nil {
		return "", err
	}
	password = generatePassword()
	hash, err := HashPassword(password)
	if err != nil {
		return "", err
	}
	u := User{ID: ids.New("usr"), Email: email, Role: r, Tenants: tenantIDs, PasswordHash: hash,
		MustChangePassword: true, CreatedAt: time.Now().UTC()}
	if err := st.InsertConsoleUser(ctx, u); err != nil {
		return "", err
	}
	return password, nil
}

// tenantIDsByName resolves the names of the tenants a user is given,
// without repeats and sorted; an unknown name is not found, and the
// console's own pseudo-tenant cannot be given.
func tenantIDsByName(ctx context.Context, st Store, names []string) ([]string, error) {
	var ids []string
	for _, name := range names {
		t, err := st.TenantByName(ctx, name)
		if err != nil {
			return nil, err
		}
		if t.ID == AuditTenant {
			return nil, errkind.New(errkind.ErrInvalid, "tenant_reserved", "the console pseudo-tenant cannot be assigned")
		}
		if !slices.Contains(ids, t.ID) {
			ids = append(ids, t.ID)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// passwordAlphabet leaves out look-alikes (0/O, 1/l/I) so the initial
// password survives being read aloud or copied by hand.
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// generatePassword returns 20 characters, about 115 bits.
func generatePassword() string {
	const n = 20
	b := make([]byte, n)
	limit := byte(256 - 256%len(passwordAlphabet)) // reject to avoid modulo bias
	for i := 0; i < n; {
		var c [1]byte
		if _, err := rand.Read(c[:]); err != nil {
			panic("console: crypto/rand failed: " + err.Error())
		}
		if c[0] >= limit {
			continue
		}
		b[i] = passwordAlphabet[int(c[0])%len(passwordAlphabet)]
		i++
	}
	return string(b)
}
