-- S3 staging (FORGE_STAGING=s3): an unfinished upload's bytes live in an S3 multipart upload for
-- its object key. These rows are what any node needs to continue it: the multipart upload, the
-- ETag of every part, and checkpoints (tail object, SHA-256 state, first bytes) at the offsets a
-- writer made durable. No foreign key to uploads: a creation-with-upload stages its body before
-- its row is inserted.
CREATE TABLE s3_staging (
    upload_id    uuid PRIMARY KEY,
    object_key   text NOT NULL,
    multipart_id text NOT NULL,
    part_bytes   bigint NOT NULL CHECK (part_bytes >= 5242880),
    -- the first bytes the content check reads (64 KiB), once a writer had them all
    head         bytea,
    -- the multipart upload was completed into object_key (a read or the worker sealed it)
    sealed       boolean NOT NULL DEFAULT false,
    -- the sealed object became the stored object: dropping staging keeps it
    handed_over  boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE s3_staging_parts (
    upload_id   uuid NOT NULL REFERENCES s3_staging (upload_id) ON DELETE CASCADE,
    part_number integer NOT NULL CHECK (part_number >= 1),
    etag        text NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);

-- One row per durable offset a writer reached. The upload's offset (uploads.offset) names the
-- live one; rows above it are from a writer that died before recording them, rows below it are
-- superseded. Both kinds are dropped when the next writer opens.
CREATE TABLE s3_staging_checkpoints (
    upload_id     uuid NOT NULL REFERENCES s3_staging (upload_id) ON DELETE CASCADE,
    staged_offset bigint NOT NULL CHECK (staged_offset >= 0),
    tail_key      text,
    tail_bytes    bigint NOT NULL CHECK (tail_bytes >= 0),
    sha256_state  bytea NOT NULL,
    -- the first bytes while fewer than the content check reads arrived (else empty)
    head          bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (upload_id, staged_offset)
);
