-- 確認記録: append-only identity records. A correction is a new row whose
-- supersedes_id names the row it corrects; rows are never updated.
CREATE TABLE identity_records (
  id                 TEXT PRIMARY KEY,
  tenant_id          TEXT NOT NULL REFERENCES tenants(id),
  verification_id    TEXT NOT NULL REFERENCES verifications(id),
  reference_id       TEXT NOT NULL,
  supersedes_id      TEXT NOT NULL,
  recorded_at        BIGINT NOT NULL,
  fields             TEXT NOT NULL,
  sealed_attributes  {{bytes}}
);
CREATE INDEX identity_records_verification ON identity_records(tenant_id, verification_id, id);
CREATE INDEX identity_records_subject ON identity_records(tenant_id, reference_id);

-- The business relationship with a subject (the tenant's reference_id):
-- records are kept 7 years after it ends, then purged.
CREATE TABLE subjects (
  tenant_id     TEXT NOT NULL REFERENCES tenants(id),
  reference_id  TEXT NOT NULL,
  closed_at     BIGINT NOT NULL,
  purge_after   BIGINT NOT NULL,
  purged_at     BIGINT,
  PRIMARY KEY (tenant_id, reference_id)
);
CREATE INDEX subjects_due ON subjects(purge_after);
