-- Passkeys (WebAuthn credentials) of console users, a second factor beside
-- TOTP. credential is the go-webauthn Credential as JSON: the public key,
-- the signature counter and flags; nothing in it is secret.
CREATE TABLE console_passkeys (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES console_users(id),
  name          TEXT NOT NULL,
  credential    TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  last_used_at  BIGINT
);
CREATE INDEX console_passkeys_user ON console_passkeys (user_id);

-- The WebAuthn ceremony a session has started (challenge and options),
-- as JSON; it is spent by the response.
ALTER TABLE console_sessions ADD COLUMN webauthn_state TEXT;
