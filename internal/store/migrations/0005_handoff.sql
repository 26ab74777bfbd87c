-- Hand-off tokens move one verification from the capture page to the card
-- client (a phone app reading the My Number card or the IC chip). Only the
-- token's hash is kept. A token works for the card routes alone, until it
-- expires, until a newer one is issued, or until the card data it carried
-- has been accepted.
CREATE TABLE handoff_tokens (
  token_hash       TEXT PRIMARY KEY,
  tenant_id        TEXT NOT NULL,
  verification_id  TEXT NOT NULL REFERENCES verifications(id),
  created_at       BIGINT NOT NULL,
  expires_at       BIGINT NOT NULL,
  used_at          BIGINT
);
CREATE INDEX handoff_tokens_verification ON handoff_tokens(verification_id);
