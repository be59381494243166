-- Hooks: tusd's HTTP hooks, signed the Standard Webhooks way. Blocking hooks (pre-*) run inside
-- the request; notifications (post-*) are rows of hook_deliveries, written by a trigger on uploads
-- in the transaction of the change they describe, so no code path can change an upload without
-- its event, and a crash cannot lose one. Any process delivers them (claims with SKIP LOCKED).

-- What the trigger writes, set by the server at start-up from FORGE_HOOKS_*: no events, no rows.
-- With pre-finish on, post-finish waits up to finish_hold_seconds for it (tusd starts post-finish
-- only after pre-finish completed); the request releases it as soon as pre-finish answered.
CREATE TABLE hook_settings (
    id                  integer          PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    events              text[]           NOT NULL DEFAULT '{}',
    progress_seconds    double precision NOT NULL DEFAULT 1 CHECK (progress_seconds >= 0),
    finish_hold_seconds double precision NOT NULL DEFAULT 0 CHECK (finish_hold_seconds >= 0),
    updated_at          timestamptz      NOT NULL DEFAULT now()
);
INSERT INTO hook_settings (id) VALUES (1);

-- The tus request now changing an upload (tusd's Event.HTTPRequest, credentials removed), written
-- before the change so that the events it causes can carry it. One row per upload, overwritten.
CREATE TABLE hook_requests (
    upload_id uuid        PRIMARY KEY,
    method    text        NOT NULL,
    request   jsonb       NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);

-- The outbox. An event snapshots the upload as the change left it; seq orders one upload's
-- events (delivered one at a time, oldest first). retry_from starts the retry window again when
-- an admin redelivers. claimed_until is a lease: a deliverer that dies loses it.
CREATE TABLE hook_deliveries (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    seq             bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    upload_id       uuid        NOT NULL,
    event           text        NOT NULL,
    length          bigint,
    "offset"        bigint      NOT NULL,
    metadata        jsonb       NOT NULL,
    upload_type     text        NOT NULL,
    concat_parts    uuid[],
    storage_key     text,
    sha256          text,
    request         jsonb,
    state           text        NOT NULL DEFAULT 'pending'
                                CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_by      text,
    claimed_until   timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    retry_from      timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    delivered_at    timestamptz
);
CREATE INDEX hook_deliveries_due_idx ON hook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX hook_deliveries_upload_idx ON hook_deliveries (upload_id, seq);
CREATE INDEX hook_deliveries_state_idx ON hook_deliveries (state, seq);

-- When each upload last had a post-receive event (they are throttled to progress_seconds).
CREATE TABLE hook_progress (
    upload_id uuid        PRIMARY KEY,
    at        timestamptz NOT NULL
);

-- A post-receive hook answered StopUpload: the node running the upload's PATCH stops it.
CREATE TABLE hook_stops (
    upload_id uuid        PRIMARY KEY,
    reply     jsonb       NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);

-- Which change is which event: a new row is post-create (and post-finish when it arrived whole;
-- post-fail when its content was refused at once); a state reaching deleted, stored or failed is
-- post-terminate, post-store or post-fail; the last byte is post-finish; any other offset advance
-- is post-receive, at most once per progress_seconds. Events caused by a tus request carry it;
-- the worker's (post-store, a failed store) carry none.
CREATE FUNCTION uploads_hook_events() RETURNS trigger AS $$
DECLARE
    wanted  text[];
    every_s double precision;
    hold_s  double precision;
    method  text;
    req     jsonb;
    events  text[] := '{}';
BEGIN
    SELECT s.events, s.progress_seconds, s.finish_hold_seconds INTO wanted, every_s, hold_s
      FROM hook_settings s WHERE s.id = 1;
    IF wanted IS NULL OR cardinality(wanted) = 0 THEN
        RETURN NULL;
    END IF;
    SELECT r.method, r.request INTO method, req FROM hook_requests r WHERE r.upload_id = NEW.id;

    IF TG_OP = 'INSERT' THEN
        IF method IS DISTINCT FROM 'POST' THEN
            req := NULL;
        END IF;
        IF NEW.state = 'failed' THEN
            events := ARRAY['post-fail'];
        ELSIF NEW.completed_at IS NOT NULL THEN
            events := ARRAY['post-create', 'post-finish'];
        ELSE
            events := ARRAY['post-create'];
        END IF;
    ELSIF NEW.state IS DISTINCT FROM OLD.state
          AND NEW.state IN ('deleted', 'stored', 'failed') THEN
        IF NEW.state = 'deleted' THEN
            events := ARRAY['post-terminate'];
            IF method IS DISTINCT FROM 'DELETE' THEN
                req := NULL;
            END IF;
        ELSIF NEW.state = 'stored' THEN
            events := ARRAY['post-store'];
            req := NULL;
        ELSE
            events := ARRAY['post-fail'];
            -- refused content fails an upload before it is complete, inside a tus request;
            -- the worker fails a complete one, outside of any
            IF NEW.completed_at IS NOT NULL OR method IS NULL
               OR method NOT IN ('POST', 'PATCH') THEN
                req := NULL;
            END IF;
        END IF;
        IF NEW.state <> 'stored' THEN
            DELETE FROM hook_progress WHERE upload_id = NEW.id;
        END IF;
    ELSE
        IF method IS NULL OR method NOT IN ('POST', 'PATCH') THEN
            req := NULL;
        END IF;
        IF NEW.completed_at IS NOT NULL AND OLD.completed_at IS NULL THEN
            events := ARRAY['post-finish'];
            DELETE FROM hook_progress WHERE upload_id = NEW.id;
        ELSIF NEW."offset" > OLD."offset" AND NEW.completed_at IS NULL
              AND 'post-receive' = ANY (wanted) THEN
            INSERT INTO hook_progress AS p (upload_id, at) VALUES (NEW.id, now())
            ON CONFLICT (upload_id) DO UPDATE SET at = now()
                WHERE p.at <= now() - make_interval(secs => every_s);
            IF FOUND THEN
                events := ARRAY['post-receive'];
            END IF;
        END IF;
    END IF;

    INSERT INTO hook_deliveries (upload_id, event, length, "offset", metadata, upload_type,
                                 concat_parts, storage_key, sha256, request, next_attempt_at)
    SELECT NEW.id, e, NEW.length, NEW."offset", NEW.metadata, NEW.upload_type, NEW.concat_parts,
           NEW.storage_key, NEW.sha256, req,
           CASE WHEN e = 'post-finish' THEN now() + make_interval(secs => hold_s) ELSE now() END
    FROM unnest(events) WITH ORDINALITY AS t(e, n)
    WHERE e = ANY (wanted)
    ORDER BY n;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER uploads_hook_events AFTER INSERT OR UPDATE OF state, "offset", completed_at
    ON uploads FOR EACH ROW EXECUTE FUNCTION uploads_hook_events();
