-- Uploads: one row per tus upload. PostgreSQL is the source of truth for state and offset;
-- the staged bytes live behind the StagingStore port.
CREATE TABLE uploads (
    id              uuid        PRIMARY KEY,
    owner           text,
    filename        text,
    content_type    text,
    length          bigint      CHECK (length IS NULL OR length >= 0),
    "offset"        bigint      NOT NULL DEFAULT 0 CHECK ("offset" >= 0),
    state           text        NOT NULL DEFAULT 'uploading'
                                CHECK (state IN ('uploading', 'queued', 'storing', 'stored',
                                                 'failed', 'expired', 'deleted')),
    upload_type     text        NOT NULL DEFAULT 'regular'
                                CHECK (upload_type IN ('regular', 'partial', 'final')),
    concat_parts    uuid[],
    metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    metadata_header text,
    sha256          text,
    storage_key     text,
    error           text,
    creator_address text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    stored_at       timestamptz,
    expires_at      timestamptz,
    CONSTRAINT uploads_offset_within_length CHECK (length IS NULL OR "offset" <= length)
);

-- Admin listing: newest first, keyset (cursor) pagination on (created_at, id).
CREATE INDEX uploads_created_idx ON uploads (created_at DESC, id DESC);
CREATE INDEX uploads_state_idx ON uploads (state, created_at DESC);
CREATE INDEX uploads_expiring_idx ON uploads (expires_at) WHERE state = 'uploading';

-- Upload locks shared by every server process on this database. A lock is a lease: the holder
-- renews heartbeat_at; a lease not renewed in time is free to take (the holder died).
-- release_requested asks a holder whose client has stalled to let go.
CREATE TABLE upload_locks (
    upload_id         uuid        PRIMARY KEY,
    holder            text        NOT NULL,
    acquired_at       timestamptz NOT NULL DEFAULT now(),
    heartbeat_at      timestamptz NOT NULL DEFAULT now(),
    release_requested boolean     NOT NULL DEFAULT false
);
