package dev.forgeupload.core;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Port: what the API reads about uploads (lists, timelines, statistics). */
public interface UploadQueries {
  /** One page of uploads, newest first, after the cursor (exclusive). */
  Page list(ListQuery query);

  /**
   * {@code owner} null lists everyone's uploads; {@code latestOnly} lists one row per file, its
   * newest version (see {@code versions/UploadVersions}).
   */
  record ListQuery(
      String owner, UploadState state, String filenameContains, String cursor, int limit,
      Sort sort, boolean ascending, boolean latestOnly) {}

  /** List orders; each is a keyset (sort key, id), so pages stay stable while uploads arrive. */
  enum Sort {
    CREATED,
    SIZE
  }

  /** State changes of one upload, oldest first. */
  List<StateChange> timeline(UUID id);

  record StateChange(UploadState state, String error, OffsetDateTime at) {}

  /** Counts for the statistics view. */
  Stats stats(int days);

  record Stats(
      List<DayCount> perDay,
      List<TypeCount> byType,
      Map<String, Long> byState,
      long storedBytes,
      long storedObjects,
      Storage storage,
      List<DayDownloads> downloadsPerDay,
      List<TopDownload> topDownloads) {}

  /**
   * What S3 holds against what was uploaded: {@code physicalBytes} in S3, and what
   * deduplication and compression saved of the stored uploads' lengths.
   */
  record Storage(long physicalBytes, long dedupSavedBytes, long compressionSavedBytes) {
    public static final Storage NONE = new Storage(0, 0, 0);
  }

  record DayDownloads(String day, long downloads) {}

  record TopDownload(UUID id, String filename, long downloads) {}

  record DayCount(String day, long uploads, long bytes) {}

  record TypeCount(String contentType, long uploads, long bytes) {}

  record Page(List<Upload> items, String nextCursor) {}
}
