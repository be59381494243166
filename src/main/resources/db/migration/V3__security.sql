-- API keys: only a SHA-256 of the key is stored (keys are 256 random bits, so a fast hash is
-- enough; see docs/decisions.md). The prefix lets people recognise a key without revealing it.
CREATE TABLE api_keys (
    id           uuid        PRIMARY KEY,
    key_hash     text        NOT NULL UNIQUE,
    prefix       text        NOT NULL,
    owner        text        NOT NULL,
    scope        text        NOT NULL CHECK (scope IN ('upload', 'admin')),
    name         text,
    created_by   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);

-- Audit log: who did what to which upload, when, from which address. Append-only.
CREATE TABLE audit_log (
    id        bigserial   PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text,
    action    text        NOT NULL,
    upload_id uuid,
    address   text,
    detail    jsonb
);
CREATE INDEX audit_log_upload_idx ON audit_log (upload_id, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id DESC);

-- Per-owner listing and the quota / concurrent-upload checks.
CREATE INDEX uploads_owner_idx ON uploads (owner, created_at DESC, id DESC);
