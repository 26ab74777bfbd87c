-- Evidence keeps the SHA-256 of the bytes exactly as received (what a client
-- signs over, e.g. JPKI+face), beside the hash of the sanitized stored bytes.
ALTER TABLE evidence ADD COLUMN received_sha256 TEXT NOT NULL DEFAULT '';

-- What the evidence proved about the person (JPKI subject, chip attributes):
-- personal data, sealed. method_result holds the non-personal facts
-- (certificate serial, issuer, revocation, document type).
ALTER TABLE verifications ADD COLUMN sealed_identity {{bytes}};
ALTER TABLE verifications ADD COLUMN method_result TEXT NOT NULL DEFAULT '{}';
ALTER TABLE verifications ADD COLUMN face_reference_id TEXT NOT NULL DEFAULT '';

CREATE TABLE jpki_nonces (
  verification_id  TEXT NOT NULL REFERENCES verifications(id),
  nonce_hash       TEXT NOT NULL,
  expires_at       BIGINT NOT NULL,
  consumed_at      BIGINT,
  PRIMARY KEY (verification_id, nonce_hash)
);
