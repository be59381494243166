package dev.forgeupload.core;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Port: upload rows as the write path and lifecycle change them (PostgreSQL is the source of
 * truth). The worker's claims are {@link StoringClaims}, the API's reads {@link UploadQueries}.
 */
public interface UploadRepository {

  /** Inserts a new upload whose first {@code offset} bytes are already durable in staging. */
  default Upload create(NewUpload upload, long offset) {
    return create(upload, offset, upload.contentType(), OwnerLimits.NONE);
  }

  /**
   * Inserts a new upload storing {@code contentType} (the type detected from its bytes), after
   * checking the owner's {@code limits} atomically with the insert (two creations by one owner
   * cannot both take the last of a quota). A final upload's parts are checked with {@link
   * ConcatParts#checkUsable} under a shared lock on their rows, so {@link #settleParts} cannot
   * change them while a final naming them is being created. The creation is audited in the
   * same commit ({@code upload.created}, and {@code upload.finished} when {@code offset}
   * completes a regular or partial upload; actor the owner, address the creator's).
   */
  Upload create(NewUpload upload, long offset, String contentType, OwnerLimits limits);

  /**
   * {@link #create} for an upload whose every byte came with its creation request: {@code bytes}
   * (its whole length) are kept with the row, inserted by the same statement, so one commit makes
   * both durable and no staging file is written. The staging store reads them back (see {@code
   * staging.InlineStaging}) until the upload is stored, deleted or expired.
   */
  Upload createWhole(NewUpload upload, byte[] bytes, String contentType, OwnerLimits limits);

  /**
   * Inserts a new upload whose content was rejected before anything was kept: state {@code
   * failed}, offset 0, {@code error} the reason.
   */
  Upload createRejected(NewUpload upload, String error);

  /** Sets the stored content type (the type the content was detected as). */
  boolean setContentType(UUID id, String contentType);

  /** What {@code owner} holds now (see {@link OwnerLimits.Usage}). */
  OwnerLimits.Usage usage(String owner);

  Optional<Upload> find(UUID id);

  /**
   * Moves the offset from {@code expected} to {@code newOffset} (compare-and-set) and refreshes the
   * expiry; marks the upload complete in the same statement when the offset reaches the length.
   * Returns the updated upload, or empty when the offset was not {@code expected}.
   */
  Optional<Upload> advanceOffset(UUID id, long expected, long newOffset, OffsetDateTime expiresAt);

  /**
   * Sets a deferred length once; false when a different length is already set or the offset is
   * past it. With an {@code owner} and a quota in {@code limits}, the owner's usage with this
   * length must fit, checked atomically with the update (413 otherwise).
   */
  boolean declareLength(UUID id, long length, String owner, OwnerLimits limits);

  /**
   * Reserves quota for a PATCH on an upload of deferred length, atomically with every other
   * quota decision of {@code owner}: returns the end offset (at most {@code wantEnd}, at least
   * the current offset) the PATCH may write up to without the owner's usage passing {@code
   * quotaBytes}. The reservation counts while the upload's lock is held; {@link #release} ends it.
   */
  long reserve(UUID id, String owner, long quotaBytes, long wantEnd);

  /** Ends a reservation made by {@link #reserve}. */
  void release(UUID id);

  /**
   * Recomputes a final (concatenated) upload from its parts: length, offset, completion. A
   * failed final that is not complete (rejected by the content check) is left as it is.
   */
  Optional<Upload> refreshFinal(UUID id);

  /**
   * A final upload whose content was rejected: failed with the reason and no longer complete
   * (offset 0, not queued, unclaimed), like any upload rejected before its last byte, so it is
   * neither served, nor retried, nor stored.
   */
  boolean rejectFinal(UUID id, String error);

  /** Final uploads that list {@code partId} among their parts and are not complete. */
  List<UUID> finalsContaining(UUID partId);

  /** Every final upload that lists {@code partId}, oldest first. */
  List<Upload> finalsListing(UUID partId);

  /**
   * After final upload {@code finalId} was stored or deleted: moves each of its parts to the
   * state {@link ConcatParts#next} gives, given every final that lists it, under an exclusive
   * lock on the parts' rows (so no final naming them is created meanwhile). Returns the parts
   * that changed, as they are now.
   */
  List<Upload> settleParts(UUID finalId, boolean dropUnused);

  boolean markState(UUID id, UploadState state, String error);

  /**
   * A failed upload goes back to the queue with fresh attempts; false when it was not failed or
   * was never completed (its content was rejected: there is nothing to store).
   */
  boolean requeueFailed(UUID id);

}
