package dev.forgeupload.core;

import java.util.Locale;

/** Lifecycle of an upload; the database stores the lower-case name. */
public enum UploadState {
  UPLOADING,
  QUEUED,
  STORING,
  STORED,
  /**
   * A partial upload whose bytes live on in a stored final upload: its staged bytes are gone,
   * it is complete and counts neither as unfinished nor in the statistics.
   */
  CONCATENATED,
  FAILED,
  EXPIRED,
  DELETED;

  public String dbName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static UploadState fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }

  /** Gone for the client: terminated or expired uploads answer 410. */
  public boolean isGone() {
    return this == DELETED || this == EXPIRED;
  }
}
