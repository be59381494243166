package dev.forgeupload.sync;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.UUID;

/**
 * One file of a job as the API shows it: the last size and modification time seen, its state,
 * the upload holding its current version (in flight or stored) with that upload's digest and
 * object key, and when it left the folder ({@code deletedAt}, null while it is there).
 */
public record SyncFile(
    String path,
    long size,
    Instant mtime,
    State state,
    UUID uploadId,
    String sha256,
    String storageKey,
    String error,
    OffsetDateTime deletedAt) {

  /** A file's states; the database and the API hold the lower-case name. */
  public enum State {
    PENDING,
    IN_PROGRESS,
    UPLOADED,
    FAILED;

    public String dbName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static State fromDb(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }
  }
}
