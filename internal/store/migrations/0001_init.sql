-- {{bytes}} is BLOB on SQLite and BYTEA on PostgreSQL; times are Unix microseconds.
CREATE TABLE tenants (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  mode        TEXT NOT NULL,
  hint        TEXT NOT NULL,
  hash        {{bytes}} NOT NULL UNIQUE,
  created_at  BIGINT NOT NULL,
  revoked_at  BIGINT
);
CREATE INDEX api_keys_tenant ON api_keys(tenant_id);

CREATE TABLE data_keys (
  tenant_id      TEXT NOT NULL REFERENCES tenants(id),
  version        INTEGER NOT NULL,
  master_key_id  TEXT NOT NULL,
  wrapped        {{bytes}} NOT NULL,
  created_at     BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, version)
);

CREATE TABLE verifications (
  id                 TEXT PRIMARY KEY,
  tenant_id          TEXT NOT NULL REFERENCES tenants(id),
  mode               TEXT NOT NULL,
  method             TEXT NOT NULL,
  face               INTEGER NOT NULL,
  law                TEXT NOT NULL,
  reference_id       TEXT NOT NULL,
  status             TEXT NOT NULL,
  sealed_applicant   {{bytes}},
  metadata           TEXT NOT NULL,
  redirect_url       TEXT NOT NULL,
  client_token_hash  {{bytes}} NOT NULL UNIQUE,
  checks             TEXT NOT NULL,
  decision           TEXT,
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL,
  expires_at         BIGINT NOT NULL,
  submitted_at       BIGINT,
  decided_at         BIGINT,
  redacted_at        BIGINT
);
CREATE INDEX verifications_tenant ON verifications(tenant_id, id);
CREATE INDEX verifications_tenant_status ON verifications(tenant_id, status, id);
CREATE INDEX verifications_expiry ON verifications(status, expires_at);

CREATE TABLE evidence (
  id               TEXT PRIMARY KEY,
  tenant_id        TEXT NOT NULL REFERENCES tenants(id),
  verification_id  TEXT NOT NULL REFERENCES verifications(id),
  kind             TEXT NOT NULL,
  content_type     TEXT NOT NULL,
  size             BIGINT NOT NULL,
  sha256           TEXT NOT NULL,
  blob_key         TEXT NOT NULL,
  created_at       BIGINT NOT NULL,
  deleted_at       BIGINT
);
CREATE INDEX evidence_verification ON evidence(verification_id, id);

CREATE TABLE idempotency_keys (
  tenant_id     TEXT NOT NULL REFERENCES tenants(id),
  key           TEXT NOT NULL,
  request_hash  TEXT NOT NULL,
  status        INTEGER NOT NULL,
  sealed_body   {{bytes}} NOT NULL,
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, key)
);

-- Per-tenant hash chain: hash = SHA-256(prev_hash || canonical entry).
CREATE TABLE audit_events (
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  seq         BIGINT NOT NULL,
  at          BIGINT NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  object_id   TEXT NOT NULL,
  detail      TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);

CREATE TABLE audit_heads (
  tenant_id  TEXT PRIMARY KEY REFERENCES tenants(id),
  seq        BIGINT NOT NULL,
  hash       TEXT NOT NULL
);

CREATE TABLE webhook_endpoints (
  id             TEXT PRIMARY KEY,
  tenant_id      TEXT NOT NULL REFERENCES tenants(id),
  mode           TEXT NOT NULL,
  url            TEXT NOT NULL,
  events         TEXT NOT NULL,
  sealed_secret  {{bytes}} NOT NULL,
  created_at     BIGINT NOT NULL,
  disabled_at    BIGINT
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints(tenant_id, id);

CREATE TABLE events (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT NOT NULL REFERENCES tenants(id),
  mode        TEXT NOT NULL,
  type        TEXT NOT NULL,
  object_id   TEXT NOT NULL,
  payload     TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE INDEX events_tenant ON events(tenant_id, id);

CREATE TABLE webhook_deliveries (
  id               TEXT PRIMARY KEY,
  tenant_id        TEXT NOT NULL REFERENCES tenants(id),
  event_id         TEXT NOT NULL REFERENCES events(id),
  endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints(id),
  status           TEXT NOT NULL,
  attempts         INTEGER NOT NULL,
  last_status_code INTEGER,
  last_error       TEXT NOT NULL,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL,
  delivered_at     BIGINT
);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);
