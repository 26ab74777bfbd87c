-- Console users are people (reviewers, supervisors, auditors, admins), kept
-- apart from API keys. Passwords are argon2id strings in PHC form; the TOTP
-- secret is sealed by the vault under the "console" pseudo-tenant, whose row
-- below also anchors the audit chain of console sign-ins. Its name starts
-- with "_", which tenant names created through kakunin cannot.
INSERT INTO tenants (id, name, created_at) VALUES ('console', '_console', 0);

CREATE TABLE console_users (
  id                    TEXT PRIMARY KEY,
  email                 TEXT NOT NULL UNIQUE,
  role                  TEXT NOT NULL,
  password_hash         TEXT NOT NULL,
  must_change_password  INTEGER NOT NULL,
  totp_sealed           {{bytes}},
  totp_enrolled_at      BIGINT,
  totp_last_step        BIGINT NOT NULL DEFAULT 0,
  failed_attempts       INTEGER NOT NULL DEFAULT 0,
  locked_until          BIGINT,
  created_at            BIGINT NOT NULL
);

-- The tenants a user may act on; none means every tenant (except for
-- bpo_reviewer, which always has at least one).
CREATE TABLE console_user_tenants (
  user_id    TEXT NOT NULL REFERENCES console_users(id),
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  PRIMARY KEY (user_id, tenant_id)
);

-- Only the SHA-256 of a session token is kept. stage is "password" between
-- the two factors and "full" after both.
CREATE TABLE console_sessions (
  token_hash    {{bytes}} PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES console_users(id),
  stage         TEXT NOT NULL,
  csrf_secret   TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  last_seen_at  BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions(user_id);
