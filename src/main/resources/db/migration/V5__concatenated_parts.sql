-- A partial upload whose final upload is stored becomes 'concatenated': its bytes live on in the
-- final's object, its staged file is deleted, and it counts neither as unfinished nor in the
-- statistics (the final does).
ALTER TABLE uploads DROP CONSTRAINT uploads_state_check;
ALTER TABLE uploads ADD CONSTRAINT uploads_state_check
    CHECK (state IN ('uploading', 'queued', 'storing', 'stored', 'concatenated', 'failed',
                     'expired', 'deleted'));

-- Which finals list a part: settling parts, finals built from them, the statistics.
CREATE INDEX uploads_final_parts_idx ON uploads USING gin (concat_parts)
    WHERE upload_type = 'final';

-- Parts of finals stored before this state existed, unless another final still needs them (not
-- stored yet, or failed but retryable). The reconciler then deletes their staged files.
UPDATE uploads p
   SET state = 'concatenated', updated_at = now()
 WHERE p.upload_type = 'partial'
   AND p.state = 'uploading'
   AND p.completed_at IS NOT NULL
   AND EXISTS (SELECT 1 FROM uploads f
                WHERE f.upload_type = 'final' AND f.concat_parts @> ARRAY[p.id]
                  AND f.state = 'stored')
   AND NOT EXISTS (SELECT 1 FROM uploads f
                    WHERE f.upload_type = 'final' AND f.concat_parts @> ARRAY[p.id]
                      AND (f.state IN ('uploading', 'queued', 'storing')
                           OR (f.state = 'failed' AND f.completed_at IS NOT NULL)));
