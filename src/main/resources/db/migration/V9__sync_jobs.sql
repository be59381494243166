-- Sync jobs: a folder under FORGE_SYNC_ROOTS mirrored into S3 at sync/<job id>/<relative path>
-- and kept mirrored. Every file version is an ordinary row in uploads; these tables hold what a
-- job watches and which version of each file is in S3. A job's state and counts are derived from
-- its files when read, so they cannot drift from them.
CREATE TABLE sync_jobs (
    id            uuid        PRIMARY KEY,
    source_folder text        NOT NULL,
    pattern       text        NOT NULL,
    owner         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    last_scan_at  timestamptz,
    next_scan_at  timestamptz NOT NULL DEFAULT now(),
    -- the scan lease: one node scans a job at a time; a lease not renewed in time is free
    scan_by       text,
    scan_at       timestamptz,
    deleted_at    timestamptz
);
CREATE INDEX sync_jobs_created_idx ON sync_jobs (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX sync_jobs_due_idx ON sync_jobs (next_scan_at) WHERE deleted_at IS NULL;

-- One row per file a job has seen (matching its pattern). size and mtime are the last seen
-- ones; once uploaded, those of the version in S3 (upload_id). A file that left the folder keeps
-- its row and its objects, with deleted_at set.
CREATE TABLE sync_files (
    job_id          uuid        NOT NULL REFERENCES sync_jobs (id),
    path            text        NOT NULL,
    size            bigint      NOT NULL CHECK (size >= 0),
    mtime           timestamptz NOT NULL,
    state           text        NOT NULL DEFAULT 'pending'
                                CHECK (state IN ('pending', 'in_progress', 'uploaded', 'failed')),
    upload_id       uuid,
    error           text,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    -- the file lease: which node uploads it; renewed while it runs, taken over when silent
    claimed_by      text,
    claimed_at      timestamptz,
    deleted_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, path)
);
CREATE INDEX sync_files_work_idx ON sync_files (next_attempt_at)
    WHERE state IN ('pending', 'in_progress') AND deleted_at IS NULL;
CREATE INDEX sync_files_upload_idx ON sync_files (upload_id);
