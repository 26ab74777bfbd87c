-- Passkey sign-in without a password: the WebAuthn ceremony a sign-in page
-- started, keyed by the hash of the page's pre-sign-in token, until the
-- browser's answer spends it or it expires. state is go-webauthn's
-- SessionData as JSON (the challenge); nothing in it is secret for long.
CREATE TABLE console_login_ceremonies (
  token_hash  {{bytes}} PRIMARY KEY,
  state       TEXT NOT NULL,
  expires_at  BIGINT NOT NULL
);
CREATE INDEX console_login_ceremonies_expiry ON console_login_ceremonies (expires_at);
