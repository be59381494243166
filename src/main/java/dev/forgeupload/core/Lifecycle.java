package dev.forgeupload.core;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upload's life after its bytes: completion (queued, job added, finals of a finished part
 * refreshed), retry of a failed one, termination, and the read of its current state (404/410).
 */
public final class Lifecycle {
  private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

  private final UploadRepository repo;
  private final StagingStore staging;
  private final ObjectStore objects;
  private final JobQueue queue;
  private final UploadEvents events;
  private final UploadMetrics metrics;
  private final ContentGate gate;
  private final Clock clock;

  public Lifecycle(
      UploadRepository repo, StagingStore staging, ObjectStore objects, JobQueue queue,
      UploadEvents events, UploadMetrics metrics, ContentGate gate, Clock clock) {
    this.repo = repo;
    this.staging = staging;
    this.objects = objects;
    this.queue = queue;
    this.events = events;
    this.metrics = metrics;
    this.gate = gate;
    this.clock = clock;
  }

  /** The row as it is, whatever its state. */
  public Optional<Upload> find(UUID id) {
    return repo.find(id);
  }

  /** The current upload; 404 when unknown, 410 when terminated or expired. */
  public Upload current(UUID id) {
    Upload u = repo.find(id).orElseThrow(UploadException::notFound);
    if (u.kind() == UploadKind.FINAL && !u.isComplete()) {
      u = repo.refreshFinal(id).orElse(u);
    }
    if (u.state().isGone()) {
      throw UploadException.gone(u.state());
    }
    if (u.isExpired(OffsetDateTime.now(clock))) {
      throw UploadException.gone(UploadState.EXPIRED);
    }
    return u;
  }

  /**
   * Runs when the last byte is in; safe to run more than once for the same upload. The row is
   * already {@code queued} (same statement as the last byte); the job is added here, and if that
   * fails (Redis down, crash right now) the reconciler adds it from PostgreSQL later. A final
   * upload is checked first; its refusal is returned.
   */
  Optional<UploadException> completed(Upload u) {
    if (u.kind() == UploadKind.FINAL && u.state() == UploadState.QUEUED) {
      Optional<UploadException> rejected = gate.checkFinal(u);
      if (rejected.isPresent()) {
        return rejected;
      }
    }
    log.info("UploadFinished id={} bytes={} state={}", u.id(), u.offset(), u.state().dbName());
    metrics.completed();
    events.state(u.id(), u.state(), u.offset(), u.length());
    if (u.state() == UploadState.QUEUED) {
      enqueueQuietly(u.id());
    }
    if (u.kind() == UploadKind.PARTIAL) {
      for (UUID finalId : repo.finalsContaining(u.id())) {
        repo.refreshFinal(finalId)
            .filter(f -> f.state() == UploadState.QUEUED)
            .ifPresent(this::completed);
      }
    }
    return Optional.empty();
  }

  private void enqueueQuietly(UUID id) {
    try {
      queue.enqueue(id);
    } catch (RuntimeException e) {
      log.warn("EnqueueFailed id={} error={} (the reconciler will retry)", id, e.toString());
    }
  }

  /** A failed upload goes back to the queue with fresh attempts; 409 when it is not failed. */
  public Upload retry(UUID id) {
    Upload u = repo.find(id).orElseThrow(UploadException::notFound);
    if (u.state() == UploadState.FAILED && !u.isComplete()) {
      throw new UploadException(
          Problem.NOT_RETRYABLE,
          "this upload was rejected before it was complete and cannot be retried: " + u.error());
    }
    if (!repo.requeueFailed(id)) {
      throw new UploadException(
          Problem.NOT_FAILED, "only a failed upload can be retried; this one is "
              + u.state().dbName());
    }
    Upload after = repo.find(id).orElseThrow(UploadException::notFound);
    events.state(id, after.state(), after.offset(), after.length());
    enqueueQuietly(id);
    return after;
  }

  /** The staged bytes of {@code u} made its stored object without a copy, when staging can. */
  public Optional<StagingStore.InPlace> storeInPlace(Upload u) throws IOException {
    return staging.storeInPlace(u);
  }

  /**
   * After the object store has the bytes: staging is no longer needed. A final has none of its
   * own; its parts that no other final needs become {@code concatenated} and lose theirs.
   */
  public void dropStaged(Upload u) throws IOException {
    if (u.kind() == UploadKind.FINAL) {
      settleParts(u.id(), false);
    } else {
      staging.delete(u.id());
    }
  }

  /**
   * The parts of a final that was stored or deleted: those no other final needs become {@code
   * concatenated} (a stored final holds their bytes) or, with {@code dropUnused}, {@code
   * deleted}; either way their staged bytes go. A failure here leaves the parts as they were
   * (complete, staged): the reconciler never expires a complete part, so nothing is lost.
   */
  private void settleParts(UUID finalId, boolean dropUnused) {
    List<Upload> changed;
    try {
      changed = repo.settleParts(finalId, dropUnused);
    } catch (RuntimeException e) {
      log.warn("PartsSettleFailed final={} error={}", finalId, e.toString());
      return;
    }
    for (Upload part : changed) {
      try {
        staging.delete(part.id());
      } catch (IOException e) {
        // the reconciler collects staged bytes of concatenated and deleted uploads
        log.warn("StagingDeleteFailed id={} error={}", part.id(), e.toString());
      }
      events.state(part.id(), part.state(), part.offset(), part.length());
    }
    if (!changed.isEmpty()) {
      log.info("PartsSettled final={} parts={} state={}", finalId, changed.size(),
          changed.get(0).state().dbName());
    }
  }

  /**
   * Before a stored final's object goes: its concatenated parts that another final still needs
   * (one built from them again, not stored yet) and no other stored final holds are staged
   * again from the object, so that final can still be stored.
   */
  private void restoreNeededParts(Upload fin) throws IOException {
    long start = 0;
    for (UUID partId : fin.concatParts()) {
      Upload part = repo.find(partId).orElse(null);
      if (part == null) {
        continue;
      }
      List<Upload> others =
          repo.finalsListing(partId).stream().filter(f -> !f.id().equals(fin.id())).toList();
      if (ConcatParts.needsRestore(part, others)) {
        try (InputStream in = objects.get(fin.storageKey(), start, part.offset());
            StagingStore.Writer w = staging.openWriter(partId, 0,
                new StagingStore.Plan(ObjectKeys.of(part), part.offset()))) {
          byte[] buf = new byte[64 * 1024];
          long written = 0;
          for (int n; (n = in.read(buf)) > 0; written += n) {
            w.write(buf, 0, n);
          }
          if (written != part.offset()) {
            throw new IOException("the object of " + fin.id() + " ended before part " + partId);
          }
          w.force();
        }
        repo.markState(partId, UploadState.UPLOADING, null);
        events.state(partId, UploadState.UPLOADING, part.offset(), part.length());
        log.info("PartRestored id={} final={} bytes={}", partId, fin.id(), part.offset());
      }
      start += part.offset();
    }
  }

  /** Terminates an upload: the staged bytes go, the row stays as {@code deleted}. */
  public void terminate(UUID id) throws IOException {
    Upload u = repo.find(id).orElseThrow(UploadException::notFound);
    if (u.state() == UploadState.DELETED) {
      return;
    }
    if (u.kind() == UploadKind.FINAL && u.storageKey() != null) {
      restoreNeededParts(u);
    }
    repo.markState(id, UploadState.DELETED, null);
    staging.delete(id);
    if (u.storageKey() != null) {
      objects.delete(u.storageKey());
    }
    events.state(id, UploadState.DELETED, u.offset(), u.length());
    metrics.terminated();
    log.info("UploadTerminated id={}", id);
    if (u.kind() == UploadKind.FINAL) {
      settleParts(id, true); // its parts go with it, unless another final needs or holds them
    }
  }
}
