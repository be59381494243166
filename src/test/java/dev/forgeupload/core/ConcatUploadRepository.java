package dev.forgeupload.core;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link InMemoryUploadRepository} plus what it leaves out, for the lifecycle's tests: a final
 * upload computed from its parts (length, offset, completion, like the SQL one), the finals that
 * list a part, and the retry of a failed upload that was complete.
 */
final class ConcatUploadRepository implements UploadRepository {
  final InMemoryUploadRepository rows = new InMemoryUploadRepository();

  /** Puts a row as it is (any state); returns it. */
  Upload put(Upload u) {
    rows.rows.put(u.id(), u);
    return u;
  }

  Upload get(UUID id) {
    return rows.rows.get(id);
  }

  @Override
  public Upload create(NewUpload upload, long offset, String contentType, OwnerLimits limits) {
    return rows.create(upload, offset, contentType, limits);
  }

  @Override
  public Upload createWhole(
      NewUpload upload, byte[] bytes, String contentType, OwnerLimits limits) {
    return rows.createWhole(upload, bytes, contentType, limits);
  }

  @Override
  public Upload createRejected(NewUpload upload, String error) {
    return rows.createRejected(upload, error);
  }

  @Override
  public boolean setContentType(UUID id, String contentType) {
    return rows.setContentType(id, contentType);
  }

  @Override
  public OwnerLimits.Usage usage(String owner) {
    return rows.usage(owner);
  }

  @Override
  public Optional<Upload> find(UUID id) {
    return rows.find(id);
  }

  @Override
  public Optional<Upload> advanceOffset(
      UUID id, long expected, long newOffset, OffsetDateTime expiresAt) {
    return rows.advanceOffset(id, expected, newOffset, expiresAt);
  }

  @Override
  public synchronized boolean declareLength(
      UUID id, long length, String owner, OwnerLimits limits) {
    if (!rows.declareLength(id, length, owner, limits)) {
      return false;
    }
    // like the SQL: the statement that completes a regular upload also queues it
    Upload u = get(id);
    if (u.isComplete() && u.kind() == UploadKind.REGULAR && u.state() == UploadState.UPLOADING) {
      put(with(u, u.length(), u.offset(), UploadState.QUEUED, u.completedAt(), u.error()));
    }
    return true;
  }

  @Override
  public long reserve(UUID id, String owner, long quotaBytes, long wantEnd) {
    return rows.reserve(id, owner, quotaBytes, wantEnd);
  }

  @Override
  public void release(UUID id) {
    rows.release(id);
  }

  @Override
  public synchronized Optional<Upload> refreshFinal(UUID id) {
    Upload f = get(id);
    if (f == null || f.kind() != UploadKind.FINAL || f.isComplete()
        || f.state() == UploadState.FAILED || f.concatParts() == null) {
      return Optional.ofNullable(f);
    }
    long total = 0;
    boolean complete = true;
    for (UUID p : f.concatParts()) {
      Upload part = get(p);
      if (part == null || part.length() == null) {
        return Optional.of(f);
      }
      total += part.length();
      complete &= part.isComplete();
    }
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    return Optional.of(put(with(f, total, complete ? total : 0,
        complete ? UploadState.QUEUED : UploadState.UPLOADING, complete ? now : null,
        f.error())));
  }

  @Override
  public boolean rejectFinal(UUID id, String error) {
    return rows.rejectFinal(id, error);
  }

  @Override
  public List<UUID> finalsContaining(UUID partId) {
    return rows.finalsContaining(partId);
  }

  @Override
  public List<Upload> finalsListing(UUID partId) {
    return rows.finalsListing(partId);
  }

  @Override
  public List<Upload> settleParts(UUID finalId, boolean dropUnused) {
    return rows.settleParts(finalId, dropUnused);
  }

  @Override
  public boolean markState(UUID id, UploadState state, String error) {
    return rows.markState(id, state, error);
  }

  @Override
  public synchronized boolean requeueFailed(UUID id) {
    Upload u = get(id);
    if (u == null || u.state() != UploadState.FAILED || !u.isComplete()) {
      return false;
    }
    put(with(u, u.length(), u.offset(), UploadState.QUEUED, u.completedAt(), u.error()));
    return true;
  }

  static Upload with(
      Upload u, Long length, long offset, UploadState state, OffsetDateTime completedAt,
      String error) {
    return new Upload(u.id(), u.owner(), u.filename(), u.contentType(), length, offset, state,
        u.kind(), u.concatParts(), u.metadata(), u.metadataHeader(), u.sha256(), u.storageKey(),
        error, u.creatorAddress(), u.createdAt(), OffsetDateTime.now(ZoneOffset.UTC),
        completedAt, u.storedAt(), u.expiresAt());
  }
}
