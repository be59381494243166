package dev.forgeupload.core;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fake {@link UploadRepository} for fast tests of its callers (the write path's port, not the
 * claims or queries). Final uploads take their length from their parts; the quota counts parts
 * instead of finals.
 */
final class InMemoryUploadRepository implements UploadRepository {
  final Map<UUID, Upload> rows = new ConcurrentHashMap<>();
  final List<Long> offsetWrites = java.util.Collections.synchronizedList(new ArrayList<>());
  /** Reserved end offsets of running PATCHes (deferred lengths). */
  final Map<UUID, Long> reserved = new ConcurrentHashMap<>();
  /** Bodies kept with their rows ({@link #createWhole}), as the database keeps them. */
  final Map<UUID, byte[]> inline = new ConcurrentHashMap<>();
  /** Told of every inline body, so a fake staging store can read it back as the real one does. */
  volatile java.util.function.BiConsumer<UUID, byte[]> inlineSink = (id, b) -> {};

  private static OffsetDateTime now() {
    return OffsetDateTime.now(ZoneOffset.UTC);
  }

  @Override
  public Upload create(NewUpload n, long offset, String contentType, OwnerLimits limits) {
    if (n.kind() == UploadKind.FINAL && n.concatParts() != null) {
      n.concatParts().stream().map(rows::get).filter(java.util.Objects::nonNull)
          .forEach(ConcatParts::checkUsable);
    }
    if (n.owner() != null && limits.any()) {
      limits.check(n.owner(), usage(n.owner()), n.length() == null ? offset : n.length(), true);
    }
    boolean complete = n.length() != null && n.length() == offset;
    Upload u =
        new Upload(n.id(), n.owner(), n.filename(), contentType, n.length(), offset,
            complete && n.kind() == UploadKind.REGULAR ? UploadState.QUEUED : UploadState.UPLOADING, n.kind(), n.concatParts(), n.metadata(), n.metadataHeader(),
            null, null, null, n.creatorAddress(), now(), now(),
            n.length() != null && n.length() == offset ? now() : null, null, n.expiresAt());
    rows.put(u.id(), u);
    return u;
  }

  @Override
  public Upload createWhole(NewUpload n, byte[] bytes, String contentType, OwnerLimits limits) {
    Upload u = create(n, bytes.length, contentType, limits);
    inline.put(u.id(), bytes);
    inlineSink.accept(u.id(), bytes);
    return u;
  }

  @Override
  public OwnerLimits.Usage usage(String owner) {
    long bytes = 0;
    int active = 0;
    for (Upload u : rows.values()) {
      if (owner.equals(u.owner()) && u.kind() != UploadKind.FINAL
          && u.state() != UploadState.DELETED && u.state() != UploadState.EXPIRED
          && !(u.state() == UploadState.FAILED && u.completedAt() == null)) {
        bytes += u.length() != null ? u.length() : Math.max(u.offset(), reserved.getOrDefault(u.id(), 0L));
        active += u.state() == UploadState.UPLOADING && u.completedAt() == null ? 1 : 0;
      }
    }
    return new OwnerLimits.Usage(bytes, active);
  }

  @Override
  public Upload createRejected(NewUpload n, String error) {
    Upload u =
        new Upload(n.id(), n.owner(), n.filename(), n.contentType(), n.length(), 0,
            UploadState.FAILED, n.kind(), n.concatParts(), n.metadata(), n.metadataHeader(),
            null, null, error, n.creatorAddress(), now(), now(), null, null, n.expiresAt());
    rows.put(u.id(), u);
    return u;
  }

  @Override
  public boolean setContentType(UUID id, String contentType) {
    Upload u = rows.get(id);
    if (u == null) {
      return false;
    }
    rows.put(id, new Upload(u.id(), u.owner(), u.filename(), contentType, u.length(), u.offset(),
        u.state(), u.kind(), u.concatParts(), u.metadata(), u.metadataHeader(), u.sha256(),
        u.storageKey(), u.error(), u.creatorAddress(), u.createdAt(), now(), u.completedAt(),
        u.storedAt(), u.expiresAt()));
    return true;
  }

  @Override
  public Optional<Upload> find(UUID id) {
    return Optional.ofNullable(rows.get(id));
  }

  @Override
  public synchronized Optional<Upload> advanceOffset(
      UUID id, long expected, long newOffset, OffsetDateTime expiresAt) {
    Upload u = rows.get(id);
    if (u == null || u.offset() != expected) {
      return Optional.empty();
    }
    offsetWrites.add(newOffset);
    OffsetDateTime completed =
        u.length() != null && u.length() == newOffset
            ? (u.completedAt() == null ? now() : u.completedAt())
            : u.completedAt();
    UploadState state =
        completed != null && u.state() == UploadState.UPLOADING && u.kind() == UploadKind.REGULAR
            ? UploadState.QUEUED
            : u.state();
    Upload v = with(u, u.length(), newOffset, completed, state);
    rows.put(id, v);
    return Optional.of(v);
  }

  @Override
  public synchronized boolean declareLength(
      UUID id, long length, String owner, OwnerLimits limits) {
    Upload u = rows.get(id);
    if (u != null && owner != null && limits.quotaBytes() > 0 && u.length() == null) {
      OwnerLimits.Usage now = usage(owner);
      new OwnerLimits(limits.quotaBytes(), 0).check(owner, now, length - u.offset(), false);
    }
    if (u == null || (u.length() != null && u.length() != length) || u.offset() > length) {
      return false;
    }
    rows.put(id, with(u, length, u.offset(), u.offset() == length ? now() : null, u.state()));
    return true;
  }

  @Override
  public synchronized long reserve(UUID id, String owner, long quotaBytes, long wantEnd) {
    Upload u = rows.get(id);
    reserved.remove(id);
    long others = usage(owner).bytes() - u.offset();
    long end = Math.max(u.offset(), Math.min(wantEnd, quotaBytes - others));
    reserved.put(id, end);
    return end;
  }

  @Override
  public void release(UUID id) {
    reserved.remove(id);
  }

  @Override
  public synchronized Optional<Upload> refreshFinal(UUID id) {
    Upload f = rows.get(id);
    if (f == null || f.kind() != UploadKind.FINAL || f.isComplete()
        || f.state() == UploadState.FAILED || f.concatParts() == null) {
      return Optional.ofNullable(f);
    }
    long total = 0;
    boolean complete = true;
    for (UUID p : f.concatParts()) {
      Upload part = rows.get(p);
      if (part == null || part.length() == null) {
        return Optional.of(f);
      }
      total += part.length();
      complete &= part.isComplete();
    }
    Upload v = with(f, total, complete ? total : 0, complete ? now() : null,
        complete ? UploadState.QUEUED : UploadState.UPLOADING);
    rows.put(id, v);
    return Optional.of(v);
  }

  @Override
  public boolean rejectFinal(UUID id, String error) {
    Upload u = rows.get(id);
    if (u == null || u.kind() != UploadKind.FINAL) {
      return false;
    }
    rows.put(id, new Upload(u.id(), u.owner(), u.filename(), u.contentType(), u.length(), 0,
        UploadState.FAILED, u.kind(), u.concatParts(), u.metadata(), u.metadataHeader(),
        u.sha256(), u.storageKey(), error, u.creatorAddress(), u.createdAt(), now(), null,
        u.storedAt(), u.expiresAt()));
    return true;
  }

  @Override
  public List<UUID> finalsContaining(UUID partId) {
    return finalsListing(partId).stream().filter(f -> !f.isComplete()).map(Upload::id).toList();
  }


  @Override
  public synchronized List<Upload> settleParts(UUID finalId, boolean dropUnused) {
    Upload fin = rows.get(finalId);
    if (fin == null || fin.kind() != UploadKind.FINAL || fin.concatParts() == null) {
      return List.of();
    }
    List<Upload> changed = new ArrayList<>();
    for (UUID p : fin.concatParts()) {
      Upload part = rows.get(p);
      if (part == null) {
        continue;
      }
      Optional<UploadState> next = ConcatParts.next(part, finalsListing(p), dropUnused);
      if (next.isPresent()) {
        Upload v = with(part, part.length(), part.offset(), part.completedAt(), next.get());
        rows.put(p, v);
        changed.add(v);
      }
    }
    return changed;
  }

  @Override
  public List<Upload> finalsListing(UUID partId) {
    return rows.values().stream()
        .filter(f -> f.kind() == UploadKind.FINAL && f.concatParts() != null
            && f.concatParts().contains(partId))
        .sorted(java.util.Comparator.comparing(Upload::createdAt))
        .toList();
  }

  @Override
  public boolean markState(UUID id, UploadState state, String error) {
    Upload u = rows.get(id);
    if (u == null) {
      return false;
    }
    Upload v = with(u, u.length(), u.offset(), u.completedAt(), state);
    rows.put(id, new Upload(v.id(), v.owner(), v.filename(), v.contentType(), v.length(),
        v.offset(), v.state(), v.kind(), v.concatParts(), v.metadata(), v.metadataHeader(),
        v.sha256(), v.storageKey(), error, v.creatorAddress(), v.createdAt(), v.updatedAt(),
        v.completedAt(), v.storedAt(), v.expiresAt()));
    return true;
  }

  @Override
  public boolean requeueFailed(UUID id) {
    return false;
  }

  private static Upload with(
      Upload u, Long length, long offset, OffsetDateTime completed, UploadState state) {
    return new Upload(u.id(), u.owner(), u.filename(), u.contentType(), length, offset, state,
        u.kind(), u.concatParts(), u.metadata(), u.metadataHeader(), u.sha256(), u.storageKey(),
        u.error(), u.creatorAddress(), u.createdAt(), now(), completed, u.storedAt(),
        u.expiresAt());
  }

  /** What a worker's claim ends with (the claims are not this fake's port). */
  synchronized void stored(UUID id, String storageKey, String sha256) {
    Upload u = rows.get(id);
    rows.put(id, new Upload(u.id(), u.owner(), u.filename(), u.contentType(), u.length(),
        u.offset(), UploadState.STORED, u.kind(), u.concatParts(), u.metadata(),
        u.metadataHeader(), sha256, storageKey, u.error(), u.creatorAddress(), u.createdAt(),
        now(), u.completedAt(), now(), u.expiresAt()));
  }
}
