package dev.forgeupload.sync;

import dev.forgeupload.core.UploadState;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Port: sync jobs, their files and the upload rows of their versions, in PostgreSQL (the only
 * place their state lives). Scans and file uploads are leases taken with {@code FOR UPDATE SKIP
 * LOCKED}: any number of nodes share the work, each file is uploaded by one node at a time, and
 * the work of a node that went silent (killed) is taken over once its lease is {@code stale}.
 * Every change a node makes under a lease checks that it still holds it.
 */
public interface SyncStore {

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

  /** The scan ended (or failed: {@code scanned} false); the next is due after {@code interval}. */
  void finishScan(UUID jobId, String node, boolean scanned, Duration interval);

  // ---- file uploads ----

  /** A leased file: where to read it and the upload row of its current version, if any. */
  record FileClaim(
      UUID jobId, String sourceFolder, String path, String owner, int attempts,
      Version current) {}

  /** An upload row of a file's version. */
  record Version(UUID uploadId, UploadState state, Long length, String sha256, String storageKey) {}

  /** Leases up to {@code max} files that are due (pending) or whose node went silent. */
  List<FileClaim> claimFiles(String node, Duration stale, int max);

  /** Renews every lease (files and scans) {@code node} holds. */
  void renew(String node);

  /** The fields of a new version's upload row. */
  record NewVersion(UUID uploadId, String filename, Map<String, String> metadata, long size) {}

  /**
   * Inserts the upload row of a new version ({@code uploading}) and makes it the file's current
   * one; false when the lease was lost.
   */
  boolean newVersion(FileClaim c, String node, NewVersion v);

  /** Starts reading an in-flight (or failed) version again: length {@code size}, offset 0. */
  void restartVersion(UUID uploadId, long size);

  /** How far an in-flight version has been read (below its length). */
  void progress(UUID uploadId, long offset);

  /** A stored version's object moved (the previous version, kept under its own key). */
  void moveObject(UUID uploadId, String storageKey);

  /** The stored version, verified. */
  record Stored(long size, Instant mtime, String sha256, String storageKey, String contentType) {}

  /**
   * In one transaction: the upload row {@code stored} (offset = length = size, digest, key), the
   * file {@code uploaded} with the size and time read. False (nothing changed) when the lease or
   * the in-flight row was lost.
   */
  boolean finishUploaded(FileClaim c, String node, UUID uploadId, Stored s);

  /** The file changed its time but not its content: uploaded, with the new time; no new version. */
  boolean confirmUnchanged(FileClaim c, String node, long size, Instant mtime);

  /**
   * A failed attempt: the file back to pending after a backoff, or {@code failed} (with its
   * in-flight upload row) once {@code maxAttempts} ran out. Returns the file's new state, empty
   * when the lease was lost.
   */
  Optional<SyncFile.State> attemptFailed(
      FileClaim c, String node, UUID uploadId, String error, int maxAttempts, Duration backoff);

  /** The file is no longer in the folder: marked deleted; an in-flight upload row fails. */
  void vanished(FileClaim c, String node, UUID uploadId);

  /** Gives a lease back untouched (shutting down): pending again, the attempt not counted. */
  void release(FileClaim c, String node);
}
