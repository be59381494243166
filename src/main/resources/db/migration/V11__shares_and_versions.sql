-- Versions: uploads of one owner with the same logical name are versions of one file. The
-- logical name is the client's relativePath metadata when it sent one (Uppy does; "null" is what
-- a browser client sends for a file outside a folder), else the filename. A stored generated
-- column: it is set when the row is created, no code path can forget it, and rows created before
-- this migration get theirs too.
ALTER TABLE uploads ADD COLUMN logical_name text GENERATED ALWAYS AS (
    CASE WHEN coalesce(metadata ->> 'relativePath', '') NOT IN ('', 'null')
         THEN ltrim(metadata ->> 'relativePath', '/')
         ELSE filename
    END) STORED;

-- One owner's versions of one file, newest first; also the ?latest=true listing.
CREATE INDEX uploads_owner_logical_idx ON uploads (owner, logical_name, created_at DESC, id DESC);

-- Share links: a capability to download one stored upload without a credential. Only a SHA-256
-- of the token is kept (tokens are 256 random bits, so a fast hash is enough, as for API keys).
-- downloads counts the GETs that sent bytes; the counting UPDATE checks max_downloads in the
-- same statement, so parallel downloads never exceed it.
CREATE TABLE share_links (
    id            uuid        PRIMARY KEY,
    upload_id     uuid        NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    token_hash    text        NOT NULL UNIQUE,
    created_by    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    max_downloads integer     CHECK (max_downloads IS NULL OR max_downloads > 0),
    downloads     integer     NOT NULL DEFAULT 0 CHECK (downloads >= 0),
    revoked_at    timestamptz,
    CONSTRAINT share_links_downloads_within_max
        CHECK (max_downloads IS NULL OR downloads <= max_downloads)
);
CREATE INDEX share_links_upload_idx ON share_links (upload_id, created_at DESC);
