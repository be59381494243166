package dev.forgeupload.core;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Port: upload rows in the metadata database (PostgreSQL is the source of truth). */
public interface UploadRepository {

  /** Inserts a new upload whose first {@code offset} bytes are already durable in staging. */
  Upload create(NewUpload upload, long offset);

  Optional<Upload> find(UUID id);

  /**
   * Moves the offset from {@code expected} to {@code newOffset} (compare-and-set) and refreshes the
   * expiry; marks the upload complete in the same statement when the offset reaches the length.
   * Returns the updated upload, or empty when the offset was not {@code expected}.
   */
  Optional<Upload> advanceOffset(UUID id, long expected, long newOffset, OffsetDateTime expiresAt);

  /** Sets a deferred length once; false when a different length is already set. */
  boolean declareLength(UUID id, long length);

  /** Recomputes a final (concatenated) upload from its parts: length, offset, completion. */
  Optional<Upload> refreshFinal(UUID id);

  /** Final uploads that list {@code partId} among their parts. */
  List<UUID> finalsContaining(UUID partId);

  boolean markState(UUID id, UploadState state, String error);

  /** One page of uploads, newest first, after the cursor (exclusive). */
  Page list(ListQuery query);

  record ListQuery(UploadState state, String filenameContains, String cursor, int limit) {}

  record Page(List<Upload> items, String nextCursor) {}
}
