-- This database's deployment id: 64 random bits in hex, written once by the first process that
-- starts on the database and kept for good. The default Redis namespace (FORGE_REDIS_PREFIX) is
-- derived from it, so every process on this database (server and workers) finds the same Redis
-- names, and two databases sharing one Redis never meet by accident (docs/decisions.md). At most
-- one row; deleting it (everything stopped) makes the next start generate a new id.
CREATE TABLE deployment (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    id         text        NOT NULL CHECK (id ~ '^[0-9a-f]{16}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);
