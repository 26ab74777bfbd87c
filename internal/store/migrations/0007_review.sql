-- Reviewers' work on cases in review (issue 8, part 2).

-- At most one claim per case. A claim past expires_at may be taken over; the
-- claim itself is a conditional upsert, so two reviewers cannot both hold it.
CREATE TABLE review_claims (
  verification_id  TEXT PRIMARY KEY REFERENCES verifications(id),
  tenant_id        TEXT NOT NULL REFERENCES tenants(id),
  actor            TEXT NOT NULL,
  claimed_at       BIGINT NOT NULL,
  expires_at       BIGINT NOT NULL
);
CREATE INDEX review_claims_actor ON review_claims(actor);

-- Every reviewer decision, including first approvals that wait for a
-- supervisor (stage "first_approval"). Reasons and steps are JSON arrays of
-- codes; the free-text comment is sealed with the tenant's key.
CREATE TABLE reviews (
  id               TEXT PRIMARY KEY,
  tenant_id        TEXT NOT NULL REFERENCES tenants(id),
  verification_id  TEXT NOT NULL REFERENCES verifications(id),
  actor            TEXT NOT NULL,
  outcome          TEXT NOT NULL,
  stage            TEXT NOT NULL,
  reasons          TEXT NOT NULL,
  steps            TEXT NOT NULL,
  sealed_comment   {{bytes}},
  created_at       BIGINT NOT NULL
);
CREATE INDEX reviews_verification ON reviews(tenant_id, verification_id, id);

-- A tenant's own list of reviewer reason codes; a tenant with no rows uses
-- the built-in defaults.
CREATE TABLE review_reason_codes (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id),
  code       TEXT NOT NULL,
  outcome    TEXT NOT NULL,
  label      TEXT NOT NULL,
  position   INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, code)
);

-- The queue: every tenant's cases in review, oldest decision first.
CREATE INDEX verifications_review ON verifications(status, decided_at);
