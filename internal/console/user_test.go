package console

import "testing"

func TestRolePermissions(t *testing.T) {
	all := []Permission{PermReview, PermSecondApproval, PermViewCases, PermViewAudit, PermExport, PermAdminister}
	want := map[Role][]Permission{
		RoleAdmin:      {PermViewCases, PermViewAudit, PermExport, PermAdminister},
		RoleReviewer:   {PermReview, PermViewCases},
		RoleSupervisor: {PermReview, PermSecondApproval, PermViewCases},
		RoleBPO:        {PermReview, PermViewCases},
		RoleAuditor:    {PermViewCases, PermViewAudit, PermExport},
		"root":         nil,
		"":             nil,
	}
	for role, grants := range want {
		for _, p := range all {
			wantCan := false
			for _, g := range grants {
				wantCan = wantCan || g == p
			}
			if got := role.Can(p); got != wantCan {
				t.Errorf("%q.Can(%s) = %v; want %v", role, p, got, wantCan)
			}
		}
	}
	if Role("root").Valid() || !RoleBPO.Valid() {
		t.Error("Valid is wrong")
	}
}

func TestCanAccessTenant(t *testing.T) {
	tests := map[string]struct {
		user   User
		tenant string
		want   bool
	}{
		"reviewer without scope sees all":       {User{Role: RoleReviewer}, "ten_a", true},
		"reviewer scoped to a sees a":           {User{Role: RoleReviewer, Tenants: []string{"ten_a"}}, "ten_a", true},
		"reviewer scoped to a not b":            {User{Role: RoleReviewer, Tenants: []string{"ten_a"}}, "ten_b", false},
		"bpo sees its tenant":                   {User{Role: RoleBPO, Tenants: []string{"ten_a", "ten_c"}}, "ten_c", true},
		"bpo does not see another":              {User{Role: RoleBPO, Tenants: []string{"ten_a"}}, "ten_b", false},
		"bpo without tenants sees nothing":      {User{Role: RoleBPO}, "ten_a", false},
		"unknown role sees nothing":             {User{Role: "root"}, "ten_a", false},
		"nobody sees the console pseudo-tenant": {User{Role: RoleAdmin}, AuditTenant, false},
		"empty tenant":                          {User{Role: RoleAdmin}, "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.user.CanAccessTenant(tc.tenant); got != tc.want {
				t.Fatalf("got %v; want %v", got, tc.want)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		"Rev@Example.JP":    "rev@example.jp",
		"  a.b@c.example  ": "a.b@c.example",
		"no-at-sign":        "",
		"Name <a@b.jp>":     "",
		"a@b.jp, c@d.jp":    "",
		"":                  "",
	} {
		got, err := NormalizeEmail(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
