package dev.forgeupload.sync;

import dev.forgeupload.core.UploadState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Port: the uploads of sync jobs' files, in PostgreSQL: leases on files and the upload rows of
 * their versions. Files are leased with {@code FOR UPDATE SKIP LOCKED}, so any number of nodes
 * share the work, each file is uploaded by one node at a time, and the files of a node that went
 * silent (killed) are taken over once its lease is {@code stale}. Every change made under a lease
 * checks that the node still holds it.
 */
public interface SyncFileStore {

  /** A leased file: where to read it and the upload row of its current version, if any. */
  record FileClaim(
      UUID jobId, String sourceFolder, String path, String owner, int attempts,
      Version current) {}

  /** An upload row of a file's version. */
  record Version(UUID uploadId, UploadState state, Long length, String sha256, String storageKey) {}

  /** Leases up to {@code max} files that are due (pending) or whose node went silent. */
  List<FileClaim> claimFiles(String node, Duration stale, int max);

  /** Renews the file leases {@code node} holds. */
  void renewFiles(String node);

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
