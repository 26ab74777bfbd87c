-- A tenant's own decision policy for one law, replacing the law's default
-- (internal/decision.DefaultPolicy). No row means the default applies.
CREATE TABLE tenant_policies (
  tenant_id        TEXT NOT NULL REFERENCES tenants(id),
  law              TEXT NOT NULL,
  min_age          INTEGER NOT NULL,
  match_applicant  INTEGER NOT NULL,
  review_all       INTEGER NOT NULL,
  updated_at       BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, law)
);
