-- Objects in S3 that the worker stored (or adopted), one row per distinct content: uploads whose
-- SHA-256 and length are equal share one object (deduplication), and an object may be kept
-- compressed in independent frames (compression at rest). uploads.storage_key names the object
-- that holds an upload's bytes; a stored upload whose key has no row here is a plain object (one
-- stored before this migration, or by a sync job) and is read and deleted as it is.
CREATE TABLE objects (
    key            text        PRIMARY KEY,
    sha256         text        NOT NULL,
    length         bigint      NOT NULL CHECK (length >= 0),
    -- bytes the object takes in S3
    physical_bytes bigint      NOT NULL CHECK (physical_bytes >= 0),
    -- none | zstd | lz4
    compression    text        NOT NULL DEFAULT 'none',
    -- original bytes per frame (every frame but the last has exactly that many); null for none
    frame_bytes    integer     CHECK (frame_bytes > 0),
    -- where each frame starts in the object (the last frame ends at physical_bytes)
    frame_offsets  bigint[],
    -- stored uploads whose storage_key is this key; kept by the trigger below in the same
    -- transaction as the upload's state change, re-counted by the reconciler
    refcount       integer     NOT NULL DEFAULT 0 CHECK (refcount >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    unreferenced_at timestamptz
);
CREATE UNIQUE INDEX objects_content_idx ON objects (sha256, length);
CREATE INDEX objects_unreferenced_idx ON objects (unreferenced_at) WHERE refcount = 0;
CREATE INDEX uploads_storage_key_idx ON uploads (storage_key) WHERE storage_key IS NOT NULL;

-- An upload references its object while it is stored. Every path that changes an upload's state
-- or key (the worker, deletes, sync, bulk actions) keeps the count right without knowing of it.
CREATE FUNCTION objects_count_refs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_key text;
    new_key text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'stored' THEN
        old_key := OLD.storage_key;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.state = 'stored' THEN
        new_key := NEW.storage_key;
    END IF;
    IF old_key IS NOT DISTINCT FROM new_key THEN
        RETURN NULL;
    END IF;
    IF old_key IS NOT NULL THEN
        UPDATE objects SET refcount = greatest(refcount - 1, 0),
            unreferenced_at = CASE WHEN refcount <= 1 THEN now() ELSE NULL END
        WHERE key = old_key;
    END IF;
    IF new_key IS NOT NULL THEN
        UPDATE objects SET refcount = refcount + 1, unreferenced_at = NULL WHERE key = new_key;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER uploads_object_refs
    AFTER INSERT OR UPDATE OF state, storage_key OR DELETE ON uploads
    FOR EACH ROW EXECUTE FUNCTION objects_count_refs();

-- Downloads of an upload's content (the API's content route) per UTC day, for the statistics.
CREATE TABLE upload_downloads (
    day       date   NOT NULL,
    upload_id uuid   NOT NULL,
    downloads bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, upload_id)
);
CREATE INDEX upload_downloads_upload_idx ON upload_downloads (upload_id);
