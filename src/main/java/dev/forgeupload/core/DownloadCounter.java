package dev.forgeupload.core;

import java.util.UUID;

/** Port: counts downloads of an upload's content, per day (for the statistics). */
public interface DownloadCounter {
  DownloadCounter NONE = id -> {};

  /** One more download of {@code uploadId} today. */
  void downloaded(UUID uploadId);
}
