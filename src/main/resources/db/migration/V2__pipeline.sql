-- The storage pipeline: a finished upload is queued, a worker claims it (storing), streams it to
-- object storage and marks it stored; failures retry with backoff until the attempts run out.
ALTER TABLE uploads
    ADD COLUMN attempts        integer     NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN claimed_by      text,
    ADD COLUMN claimed_at      timestamptz,
    ADD COLUMN queued_at       timestamptz;

-- Uploads that finished before the pipeline existed are queued now.
UPDATE uploads SET state = 'queued', queued_at = completed_at
 WHERE state = 'uploading' AND completed_at IS NOT NULL AND upload_type <> 'partial';

-- What the reconciler and the workers look for.
CREATE INDEX uploads_pipeline_idx ON uploads (next_attempt_at) WHERE state IN ('queued', 'storing');

-- Timeline of state changes, written by a trigger so that no code path can forget it.
CREATE TABLE upload_events (
    id        bigserial   PRIMARY KEY,
    upload_id uuid        NOT NULL,
    state     text        NOT NULL,
    error     text,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX upload_events_upload_idx ON upload_events (upload_id, id);

CREATE FUNCTION uploads_log_state() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.state IS DISTINCT FROM OLD.state THEN
        INSERT INTO upload_events (upload_id, state, error) VALUES (NEW.id, NEW.state, NEW.error);
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER uploads_state_events AFTER INSERT OR UPDATE OF state ON uploads
    FOR EACH ROW EXECUTE FUNCTION uploads_log_state();
