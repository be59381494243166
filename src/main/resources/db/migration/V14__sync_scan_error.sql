-- Why the last scan of a sync job failed (the folder is gone, unreadable, or left the roots);
-- null once a scan succeeds. Without it a failed scan was only in the server's log.
ALTER TABLE sync_jobs ADD COLUMN last_scan_error text;
