package dev.forgeupload.sync;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Port: sync jobs and what their scans found, in PostgreSQL (the only place their state lives).
 * A scan is a lease on its job taken with {@code FOR UPDATE SKIP LOCKED}: one node scans a job at
 * a time, and the scan of a node that went silent (killed) is free again once its lease is {@code
 * stale}.
 */
public interface SyncJobStore {
  // ---- jobs, for the API ----

  SyncJob create(UUID id, String sourceFolder, String pattern, String owner);

  /** A job that was not deleted. */
  Optional<SyncJob> find(UUID id);

  /** Newest first, after the job {@code after} (null: from the start). */
  List<SyncJob> list(JobCursor after, int limit);

  /** Position in the job list. */
  record JobCursor(OffsetDateTime createdAt, UUID id) {}

  /** A job's files by path, after {@code afterPath} (null: from the start), optionally in one state. */
  List<SyncFile> files(UUID jobId, String afterPath, SyncFile.State state, int limit);

  /** Stops watching: the job is hidden and gets no more work; rows and objects stay. */
  boolean delete(UUID id);

  // ---- scans ----

  /** What a scan needs of a job. */
  record ScanTarget(UUID id, String sourceFolder, String pattern) {}

  /** Leases the job whose scan is most overdue (none when none is due or all are leased). */
  Optional<ScanTarget> claimDueScan(String node, Duration stale);

  /** Leases {@code id}'s scan now, due or not; empty when another scan of it holds the lease. */
  Optional<ScanTarget> claimScan(UUID id, String node, Duration stale);

  /** Makes a job's scan due now. */
  void scanSoon(UUID id);

  /** What the database knows of a file, for the scan to compare with what it sees. */
  record Known(
      String path, long size, Instant mtime, SyncFile.State state, boolean deleted,
      boolean versionGone) {}

  /** A job's files by path. */
  Map<String, Known> known(UUID jobId);

  /**
   * Records a scan's findings: {@code due} files (new, changed, retried) become pending with the
   * size and time seen, unless their row changed since {@link #known} read it; {@code back} files
   * are present again, unchanged; {@code gone} ones left the folder. Nothing changes a file
   * being uploaded.
   */
  void applyScan(UUID jobId, List<Due> due, List<String> back, List<String> gone);

  /** A file the scan found new or changed; {@code was} is what {@link #known} said (null: new). */
  record Due(String path, long size, Instant mtime, Known was) {}

  /** Renews the scan leases {@code node} holds. */
  void renewScans(String node);

  /**
   * The scan ended: {@code error} null when it succeeded, else why it failed (shown as the job's
   * {@code last_scan_error}); the next is due after {@code interval} (sooner after a failure).
   */
  void finishScan(UUID jobId, String node, String error, Duration interval);
}
