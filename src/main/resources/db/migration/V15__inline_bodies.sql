-- Small uploads whose whole content came with their creation request (FORGE_INLINE_MAX_BYTES):
-- the bytes, inserted by the statement that inserts the upload's row, so one commit makes both
-- durable and no staging file is created or fsynced. They are the upload's staged bytes: read
-- back through the staging store, removed when the upload is stored, deleted or expired.
CREATE TABLE inline_bodies (
    upload_id  uuid        PRIMARY KEY REFERENCES uploads (id) ON DELETE CASCADE,
    bytes      bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- uploads are mostly compressed already: do not spend CPU trying again
ALTER TABLE inline_bodies ALTER COLUMN bytes SET STORAGE EXTERNAL;
