package dev.forgeupload.sync;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A sync job as the API shows it: what it watches and, derived from its files when read, its
 * state and counts. Files that left the folder count nowhere.
 */
public record SyncJob(
    UUID id,
    String sourceFolder,
    String pattern,
    String owner,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt,
    OffsetDateTime lastScanAt,
    String lastScanError,
    long totalFiles,
    long completedFiles,
    long failedFiles,
    long activeFiles,
    long totalBytes,
    long doneBytes) {

  /** The job's states; the API shows the lower-case name. */
  public enum State {
    PENDING,
    IN_PROGRESS,
    COMPLETED,
    FAILED;

    public String apiName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * {@code pending} until its first scan finished; {@code in_progress} while a file waits or
   * uploads; then {@code failed} when a file failed after its retries, else {@code completed}.
   */
  public State state() {
    if (lastScanAt == null) {
      return State.PENDING;
    }
    if (activeFiles > 0) {
      return State.IN_PROGRESS;
    }
    return failedFiles > 0 ? State.FAILED : State.COMPLETED;
  }

  /**
   * {@code done_bytes / total_bytes}; by files when they are all empty; 1.0 for a scanned job with
   * no files, 0.0 before the first scan.
   */
  public double progress() {
    if (lastScanAt == null) {
      return 0.0;
    }
    if (totalBytes > 0) {
      return Math.min(1.0, (double) doneBytes / totalBytes);
    }
    return totalFiles == 0 ? 1.0 : (double) completedFiles / totalFiles;
  }
}
