package dev.forgeupload.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upload write path and lifecycle, independent of HTTP. The rule that keeps crashes safe: the
 * repository's offset never runs ahead of bytes that were fsynced to staging; a writer opened
 * under the lock first cuts staging back to that offset.
 */
public final class UploadService {
  private static final Logger log = LoggerFactory.getLogger(UploadService.class);
  private static final int BUFFER_BYTES = 256 * 1024;
  private static final long CHECKPOINT_MIN_BYTES = 1L << 20;

  private final UploadRepository repo;
  private final StagingStore staging;
  private final ObjectStore objects;
  private final JobQueue queue;
  private final UploadEvents events;
  private final Clock clock;
  private final long maxUploadBytes;
  private final Duration expiry;
  private final Duration checkpointInterval;
  private volatile OwnerLimits ownerLimits = OwnerLimits.NONE;
  private final UploadMetrics metrics;
  private final ContentPolicy policy;
  private final ExecutorService checkpoints =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "checkpoint");
            t.setDaemon(true);
            return t;
          });

  public UploadService(
      UploadRepository repo,
      StagingStore staging,
      ObjectStore objects,
      JobQueue queue,
      UploadEvents events,
      Clock clock,
      long maxUploadBytes,
      Duration expiry,
      Duration checkpointInterval,
      ContentPolicy policy,
      UploadMetrics metrics) {
    this.metrics = metrics;
    this.repo = repo;
    this.staging = staging;
    this.objects = objects;
    this.queue = queue;
    this.events = events;
    this.clock = clock;
    this.maxUploadBytes = maxUploadBytes;
    this.expiry = expiry;
    this.checkpointInterval = checkpointInterval;
    this.policy = policy;
  }

  /** Per-owner quota and unfinished-upload limits (none until set). */
  public UploadService withOwnerLimits(OwnerLimits limits) {
    this.ownerLimits = limits;
    return this;
  }

  public long maxUploadBytes() {
    return maxUploadBytes;
  }

  public OffsetDateTime newExpiry() {
    return OffsetDateTime.now(clock).plus(expiry);
  }

  public Upload create(NewUpload n) {
    refuseDeniedClaim(n);
    validateLength(n.length());
    Upload u = repo.create(n, 0, initialContentType(n), ownerLimits);
    metrics.created();
    log.info(
        "UploadCreated id={} length={} kind={} filename_len={}",
        u.id(),
        u.length(),
        u.kind().dbName(),
        u.filename() == null ? 0 : u.filename().length());
    if (n.kind() == UploadKind.FINAL) {
      u = repo.refreshFinal(u.id()).orElse(u);
    }
    if (u.isComplete()) {
      Optional<UploadException> rejected = onComplete(u);
      if (rejected.isPresent()) {
        throw rejected.get();
      }
    } else {
      events.state(u.id(), u.state(), u.offset(), u.length());
    }
    return u;
  }

  /**
   * A claim of a denied type (metadata type or filename extension) is refused before anything is
   * created or read: no bytes could make it acceptable, and an empty or tiny upload would never
   * be judged by its bytes at all.
   */
  private void refuseDeniedClaim(NewUpload n) {
    Optional<ContentPolicy.Rejected> refused =
        policy.checkClaim(new ContentPolicy.Claim(n.contentType(), n.filename()));
    if (refused.isPresent()) {
      log.info("UploadRefused id={} kind={} status={} reason={}", n.id(), n.kind().dbName(),
          refused.get().status(), refused.get().reason());
      throw refused.get().toException();
    }
  }

  /**
   * What a new row stores as its content type until its bytes are checked: the claim for a
   * regular upload (replaced by the check, which every upload passes before its last byte is
   * committed); nothing for a final upload (its check runs after its parts completed it);
   * octet-stream for a part (a part is opaque: see {@link ContentPolicy#checkPart}) and for an
   * empty upload (no byte confirms its claim).
   */
  private static String initialContentType(NewUpload n) {
    if (n.kind() == UploadKind.FINAL) {
      return null;
    }
    if (n.kind() == UploadKind.PARTIAL || (n.length() != null && n.length() == 0)) {
      return ContentPolicy.OCTET_STREAM;
    }
    return n.contentType();
  }

  /** The current upload; 404 when unknown, 410 when terminated or expired. */
  public Upload get(UUID id) {
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

  public Optional<Upload> find(UUID id) {
    return repo.find(id);
  }

  /** What a PATCH brings besides its body. */
  public record Patch(
      long clientOffset,
      Long declaredLength,
      Long contentLength,
      Checksum checksum,
      boolean trailerExpected,
      Supplier<String> trailerChecksum) {}

  /**
   * Appends a PATCH body. The caller holds the upload's lock. Bytes received before the client
   * went away are kept (unless a checksum covers the body); a checksum mismatch keeps the offset.
   */
  public Upload append(UUID id, Patch p, InputStream body) throws IOException {
    Upload u = get(id);
    if (u.kind() == UploadKind.FINAL) {
      throw new UploadException(
          Problem.FINAL_UPLOAD, "a final (concatenated) upload cannot be patched");
    }
    if (u.state() == UploadState.FAILED && !u.isComplete()) {
      // only a content check fails an unfinished upload
      throw new UploadException(
          Problem.UPLOAD_REJECTED, "this upload was rejected: " + u.error());
    }
    if (p.clientOffset() != u.offset()) {
      throw UploadException.offsetMismatch(u.offset(), p.clientOffset());
    }
    if (p.declaredLength() != null) {
      u = declareLength(u, p.declaredLength());
    }
    if (u.isComplete()) {
      // Idempotent: clients send an extra empty PATCH after the last byte. Read it to the end
      // so the connection stays usable (an unread body makes the server close it under the
      // client's feet).
      if (body.read() >= 0) {
        throw UploadException.tooLarge("the upload is already complete");
      }
      return u;
    }
    long start = u.offset();
    long limit = (u.hasLength() ? u.length() : maxUploadBytes) - start;
    boolean reserved = !u.hasLength() && u.owner() != null && ownerLimits.quotaBytes() > 0;
    if (reserved) {
      // A deferred length grows with its bytes: before reading any, reserve what this body may
      // add (its Content-Length, else all that is left) against the owner's quota, atomically
      // with every other PATCH and creation of theirs.
      long want = start + (p.contentLength() != null ? Math.min(p.contentLength(), limit) : limit);
      limit = repo.reserve(id, u.owner(), ownerLimits.quotaBytes(), want) - start;
    }
    Progress progress = new Progress(id, start);
    Sniff sniff = sniffFor(u);
    try {
      receive(id, start, limit, u.hasLength(), p, body, progress, sniff);
    } catch (UploadException e) {
      if (e.isContentRejection()) {
        reject(u, e);
      }
      throw e;
    } finally {
      if (reserved) {
        repo.release(id);
      }
    }
    Upload after = progress.last == null ? u : progress.last;
    if (after.isComplete()) {
      onComplete(after);
    } else {
      // the throttled progress events may have skipped the last bytes of this PATCH
      events.state(id, after.state(), after.offset(), after.length());
    }
    return after;
  }

  /**
   * creation-with-upload: the body goes to staging first and the row is inserted with its offset,
   * one commit. A client that goes away mid-body never learned the upload's URL, so nothing is
   * kept.
   */
  public Upload createWithBody(NewUpload n, Patch p, InputStream body) throws IOException {
    if (n.kind() == UploadKind.FINAL) {
      throw UploadException.badRequest("a final upload cannot carry a body");
    }
    refuseDeniedClaim(n);
    validateLength(n.length());
    long limit = n.length() != null ? n.length() : maxUploadBytes;
    if (n.owner() != null && ownerLimits.any()) {
      // before the body: a request over the limits must not get to send it
      OwnerLimits.Usage usage = repo.usage(n.owner());
      ownerLimits.check(n.owner(), usage, n.length() == null ? 0 : n.length(), true);
      if (n.length() == null && ownerLimits.quotaBytes() > 0) {
        limit = Math.max(0, Math.min(limit, ownerLimits.quotaBytes() - usage.bytes()));
      }
    }
    long end;
    Upload u;
    Sniff sniff =
        new Sniff(n.id(), new ContentPolicy.Claim(n.contentType(), n.filename()), n.length(),
            false, n.kind() == UploadKind.PARTIAL);
    try {
      end = receive(n.id(), 0, limit, n.length() != null, p, body, null, sniff);
      String contentType =
          sniff.accepted != null ? sniff.accepted.contentType() : initialContentType(n);
      u = repo.create(n, end, contentType, ownerLimits);
    } catch (IOException | RuntimeException e) {
      staging.delete(n.id());
      if (e instanceof UploadException ue && ue.isContentRejection()) {
        Upload failed = repo.createRejected(n, ue.getMessage());
        log.info("UploadRejected id={} status={} reason={}", n.id(), ue.status(), ue.getMessage());
        events.state(failed.id(), failed.state(), failed.offset(), failed.length());
      }
      throw e;
    }
    metrics.created();
    log.info("UploadCreated id={} length={} offset={} kind={}", u.id(), u.length(), end,
        u.kind().dbName());
    if (u.isComplete()) {
      onComplete(u);
    }
    return u;
  }

  /**
   * Offsets committed by one PATCH so far, and the row after the last commit. A checkpoint runs
   * in the background (fsync, then the offset) so the disk flushes while the network keeps
   * delivering; at most one is in flight, and it is awaited before anything else commits.
   */
  private final class Progress {
    final UUID id;
    volatile long committed;
    volatile Upload last;
    private CompletableFuture<Void> pending;

    Progress(UUID id, long start) {
      this.id = id;
      this.committed = start;
    }

    void commit(long newOffset) {
      last = advance(id, committed, newOffset);
      committed = newOffset;
    }

    boolean idle() {
      return pending == null || pending.isDone();
    }

    void checkpointAsync(StagingStore.Writer w, long position) throws IOException {
      await();
      pending =
          CompletableFuture.runAsync(
              () -> {
                try {
                  w.force();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
                commit(position);
              },
              checkpoints);
    }

    void await() throws IOException {
      if (pending == null) {
        return;
      }
      try {
        pending.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof UncheckedIOException io) {
          throw io.getCause();
        }
        throw e.getCause() instanceof RuntimeException r ? r : e;
      } finally {
        pending = null;
      }
    }

    /** Commits everything written so far (after the pending checkpoint). */
    void commitAll(StagingStore.Writer w) throws IOException {
      await();
      if (w.position() > committed) {
        w.force();
        commit(w.position());
      }
    }
  }

  /**
   * Streams a body into staging at {@code start}, at most {@code limit} bytes, verifies its
   * checksum (header or trailer) and makes it durable. With {@code progress}, long bodies are
   * checkpointed and the end is committed; without, nothing touches the repository. Returns the
   * durable end offset. On failure staging is cut back to what is committed (or to {@code start}
   * for a checksummed body).
   */
  private long receive(
      UUID id, long start, long limit, boolean hasLength, Patch p, InputStream body,
      Progress progress, Sniff sniff)
      throws IOException {
    String limitName =
        hasLength ? "Upload-Length" : "the maximum upload size (or the owner's quota)";
    if (p.contentLength() != null && p.contentLength() > limit) {
      throw UploadException.tooLarge(
          "body of " + p.contentLength() + " bytes at offset " + start + " runs past " + limitName);
    }
    boolean atomic = p.checksum() != null || p.trailerExpected() || progress == null;
    MessageDigest digest = p.checksum() == null ? null : p.checksum().newDigest();
    StagingStore.Writer opened;
    try {
      opened = staging.openWriter(id, start);
    } catch (StagingStore.MissingBytesException e) {
      log.error("StagingMissing id={} error={}", id, e.getMessage());
      throw new UploadException(
          Problem.STAGING_UNAVAILABLE,
          "this node does not hold the upload's first " + start + " bytes; send it to the node "
              + "that received them");
    }
    try (StagingStore.Writer w = opened) {
      try {
        byte[] buf = new byte[BUFFER_BYTES];
        long written = 0;
        long lastCheckpointAt = System.nanoTime();
        long lastCheckpointPos = start;
        try {
          while (true) {
            int n = fill(body, buf, (int) Math.min(buf.length, limit - written + 1));
            if (n <= 0) {
              break;
            }
            if (written + n > limit) {
              throw UploadException.tooLarge("body runs past " + limitName);
            }
            w.write(buf, 0, n);
            metrics.bytesReceived(n);
            if (digest != null) {
              digest.update(buf, 0, n);
            }
            written += n;
            if (sniff != null && !atomic && w.position() >= ContentPolicy.SNIFF_BYTES) {
              // before any checkpoint can commit the bytes the check covers
              sniff.run(w.position());
            }
            if (progress != null) {
              events.progress(id, w.position(), hasLength ? start + limit : null); // throttled
            }
            if (!atomic
                && w.position() - lastCheckpointPos >= CHECKPOINT_MIN_BYTES
                && System.nanoTime() - lastCheckpointAt >= checkpointInterval.toNanos()
                && progress.idle()) {
              lastCheckpointPos = w.position();
              lastCheckpointAt = System.nanoTime();
              progress.checkpointAsync(w, lastCheckpointPos);
            }
          }
        } catch (BodyReadException e) {
          // The client went away or stalled past the read timeout: keep what arrived, unless a
          // checksum covers the whole body.
          if (atomic) {
            w.truncate(start);
          } else {
            progress.commitAll(w);
          }
          log.info("UploadInterrupted id={} kept_offset={} error={}", id,
              atomic ? start : progress.committed, e.toString());
          throw e;
        } catch (UploadException e) {
          if (progress != null) {
            progress.await();
          }
          w.truncate(progress == null ? start : progress.committed);
          throw e;
        }
        Checksum checksum = p.checksum();
        if (checksum == null && p.trailerChecksum() != null) {
          String trailer = p.trailerChecksum().get();
          if (trailer != null && !trailer.isBlank()) {
            try {
              checksum = Checksum.parse(trailer);
            } catch (UploadException e) {
              rollback(w, start, progress);
              throw e;
            }
            digest = digestOf(id, start, w.position() - start, checksum);
          }
        }
        if (checksum != null && !checksum.matches(digest.digest())) {
          rollback(w, start, progress);
          throw UploadException.checksumMismatch(checksum.algorithm());
        }
        if (sniff != null
            && (w.position() >= ContentPolicy.SNIFF_BYTES
                || (hasLength && w.position() == start + limit))) {
          if (progress != null) {
            progress.await();
          }
          sniff.run(w.position());
        }
        if (progress != null) {
          progress.commitAll(w);
        } else {
          w.force();
        }
        return w.position();
      } finally {
        if (progress != null && !progress.idle()) {
          // never close the file under a running checkpoint
          try {
            progress.await();
          } catch (IOException | RuntimeException e) {
            log.warn("CheckpointFailed id={} error={}", id, e.toString());
          }
        }
      }
    }
  }

  /**
   * The content check of one upload's first bytes (see {@link ContentPolicy}), run at most once,
   * reading the bytes back from staging: the full check, or for a partial upload ({@code part})
   * the part check, which stores nothing (a part stays octet-stream). With a row to update
   * ({@code persist}), an accepted type is stored at once, before the offset that covers the
   * checked bytes is committed. Run with no bytes only for an upload that is complete and empty.
   */
  private final class Sniff {
    final UUID id;
    final ContentPolicy.Claim claim;
    final Long length;
    final boolean persist;
    final boolean part;
    ContentPolicy.Accepted accepted;

    Sniff(UUID id, ContentPolicy.Claim claim, Long length, boolean persist, boolean part) {
      this.id = id;
      this.claim = claim;
      this.length = length;
      this.persist = persist;
      this.part = part;
    }

    /** Checks the first bytes of the {@code staged} ones; throws the rejection. */
    void run(long staged) throws IOException {
      if (accepted != null) {
        return;
      }
      int n = (int) Math.min(staged, ContentPolicy.SNIFF_BYTES);
      byte[] head = new byte[0];
      if (n > 0) { // an empty upload may not even have a staged file
        try (InputStream in = staging.read(id, 0, n)) {
          head = in.readNBytes(n);
        }
      }
      ContentPolicy.Decision d =
          part
              ? policy.checkPart(head, head.length, claim)
              : policy.check(head, head.length, claim, length);
      if (d instanceof ContentPolicy.Rejected r) {
        throw r.toException();
      }
      accepted = (ContentPolicy.Accepted) d;
      log.info("ContentAccepted id={} detected={} content_type={}", id, accepted.detected(),
          accepted.contentType());
      if (persist && !part) {
        repo.setContentType(id, accepted.contentType());
      }
    }
  }

  /** The check a PATCH at this upload's offset must run, or null (final, or already done). */
  private Sniff sniffFor(Upload u) {
    if (u.kind() == UploadKind.FINAL || u.offset() >= ContentPolicy.SNIFF_BYTES) {
      return null;
    }
    return new Sniff(u.id(), claimOf(u), u.length(), true, u.kind() == UploadKind.PARTIAL);
  }

  private static ContentPolicy.Claim claimOf(Upload u) {
    return new ContentPolicy.Claim(Metadata.contentType(u.metadata()), u.filename());
  }

  /** A content rejection: the upload fails with the reason and its staged bytes go. */
  private void reject(Upload u, UploadException e) throws IOException {
    repo.markState(u.id(), UploadState.FAILED, e.getMessage());
    staging.delete(u.id());
    log.info("UploadRejected id={} status={} reason={}", u.id(), e.status(), e.getMessage());
    events.state(u.id(), UploadState.FAILED, u.offset(), u.length());
  }

  private void rollback(StagingStore.Writer w, long start, Progress progress) throws IOException {
    if (progress != null) {
      progress.await();
    }
    w.truncate(start);
    if (progress != null && progress.committed != start) {
      repo.advanceOffset(progress.id, progress.committed, start, newExpiry());
      progress.committed = start;
    }
  }

  /**
   * Reads until {@code want} bytes or the end of the body: the network hands over small pieces,
   * the disk likes large writes. Returns the bytes read, 0 at the end.
   */
  private static int fill(InputStream body, byte[] buf, int want) throws IOException {
    int filled = 0;
    while (filled < want) {
      int n;
      try {
        n = body.read(buf, filled, want - filled);
      } catch (BodyReadException e) {
        if (filled == 0) {
          throw e;
        }
        break; // keep what arrived; the next read fails again and ends the body
      }
      if (n < 0) {
        break;
      }
      filled += n;
    }
    return filled;
  }

  private MessageDigest digestOf(UUID id, long from, long count, Checksum checksum)
      throws IOException {
    MessageDigest md = checksum.newDigest();
    try (InputStream in = staging.read(id, from, count)) {
      byte[] buf = new byte[BUFFER_BYTES];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return md;
  }

  private Upload advance(UUID id, long expected, long newOffset) {
    return repo.advanceOffset(id, expected, newOffset, newExpiry())
        .orElseThrow(
            () ->
                new UploadException(
                    Problem.OFFSET_CHANGED, "the upload changed while this request wrote to it"));
  }

  private void validateLength(Long length) {
    if (length != null && length > maxUploadBytes) {
      throw UploadException.tooLarge(
          "Upload-Length " + length + " exceeds the maximum of " + maxUploadBytes);
    }
  }

  /**
   * A length declared late: an upload that ends right here, shorter than the sniffed prefix, is
   * checked now; one already checked must fit its type's size limit.
   */
  private void checkDeclaredLength(Upload u, long length) {
    if (u.kind() == UploadKind.FINAL) {
      return;
    }
    try {
      if (u.offset() < ContentPolicy.SNIFF_BYTES) {
        if (length == u.offset()) {
          new Sniff(u.id(), claimOf(u), length, true, u.kind() == UploadKind.PARTIAL)
              .run(u.offset());
        }
      } else if (u.kind() == UploadKind.REGULAR && u.contentType() != null) {
        policy.checkLength(u.contentType(), length).ifPresent(r -> {
          throw r.toException();
        });
      }
    } catch (UploadException e) {
      if (e.isContentRejection()) {
        try {
          reject(u, e);
        } catch (IOException io) {
          throw new UncheckedIOException(io);
        }
      }
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Upload declareLength(Upload u, long length) {
    validateLength(length);
    if (u.hasLength()) {
      if (u.length() != length) {
        throw UploadException.badRequest(
            "Upload-Length " + length + " differs from the declared " + u.length());
      }
      return u;
    }
    if (length >= u.offset()) {
      checkDeclaredLength(u, length);
    }
    // the owner's quota is checked with the update (a 413 when this length does not fit)
    if (length < u.offset() || !repo.declareLength(u.id(), length, u.owner(), ownerLimits)) {
      throw UploadException.badRequest(
          "Upload-Length " + length + " is less than the offset " + u.offset());
    }
    Upload after = get(u.id());
    if (after.isComplete()) {
      onComplete(after);
    }
    return after;
  }

  /**
   * Runs when the last byte is in; safe to run more than once for the same upload. The row is
   * already {@code queued} (same statement as the last byte); the job is added here, and if that
   * fails (Redis down, crash right now) the reconciler adds it from PostgreSQL later.
   */
  private Optional<UploadException> onComplete(Upload u) {
    if (u.kind() == UploadKind.FINAL && u.state() == UploadState.QUEUED) {
      Optional<UploadException> rejected = checkFinal(u);
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
            .ifPresent(f -> onComplete(f));
      }
    }
    return Optional.empty();
  }

  /**
   * A final upload is checked when it completes, from the first bytes of its parts (the parts
   * themselves only get the part check: a middle part has no magic). Its parts' staged bytes
   * stay: they belong to the parts. The row was queued by the statement that completed it, so
   * the worker checks again before it stores a final ({@link #checkFinalContent}). A rejected
   * final is failed and no longer complete: it is not served, not retried, not stored.
   */
  private Optional<UploadException> checkFinal(Upload u) {
    int n = (int) Math.min(u.offset(), ContentPolicy.SNIFF_BYTES);
    byte[] head;
    try (InputStream in = openContent(u, 0, n)) {
      head = in.readNBytes(n);
    } catch (IOException | UncheckedIOException e) {
      log.warn("ContentCheckUnreadable id={} error={}", u.id(), e.toString());
      return Optional.empty(); // the worker will fail on the same bytes and say why
    }
    ContentPolicy.Decision d = policy.check(head, head.length, claimOf(u), u.length());
    if (d instanceof ContentPolicy.Rejected r) {
      UploadException e = r.toException();
      repo.rejectFinal(u.id(), e.getMessage());
      log.info("UploadRejected id={} status={} reason={}", u.id(), e.status(), e.getMessage());
      events.state(u.id(), UploadState.FAILED, 0, u.length());
      return Optional.of(e);
    }
    repo.setContentType(u.id(), ((ContentPolicy.Accepted) d).contentType());
    return Optional.empty();
  }

  /**
   * The content check of a complete final upload again, for the worker right before it stores
   * one: the final was queued by the statement that completed it, so a worker (or the
   * reconciler, after a crash) can reach it before or without the check at completion. Empty
   * for anything else, and when the content passes; a rejected final is failed (not stored).
   */
  public Optional<UploadException> checkFinalContent(Upload u) {
    if (u.kind() != UploadKind.FINAL || !u.isComplete()) {
      return Optional.empty();
    }
    return checkFinal(u);
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

  /** After the object store has the bytes: staging is no longer needed. */
  public void dropStaged(Upload u) throws IOException {
    if (u.kind() != UploadKind.FINAL) {
      staging.delete(u.id());
    }
  }

  /** Terminates an upload: the staged bytes go, the row stays as {@code deleted}. */
  public void terminate(UUID id) throws IOException {
    Upload u = repo.find(id).orElseThrow(UploadException::notFound);
    if (u.state() == UploadState.DELETED) {
      return;
    }
    repo.markState(id, UploadState.DELETED, null);
    staging.delete(id);
    if (u.storageKey() != null) {
      objects.delete(u.storageKey());
    }
    events.state(id, UploadState.DELETED, u.offset(), u.length());
    metrics.terminated();
    log.info("UploadTerminated id={}", id);
  }

  /**
   * The bytes of a complete upload (a final upload streams its parts in order). {@code u} may be
   * stale: a worker can store the upload and drop its staged bytes after {@code u} was read.
   */
  public InputStream openContent(Upload u, long from, long count) throws IOException {
    if (count == 0) {
      return InputStream.nullInputStream(); // an empty upload never had a staged file
    }
    if (u.state() == UploadState.STORED && u.storageKey() != null) {
      return objects.get(u.storageKey(), from, count);
    }
    if (u.kind() != UploadKind.FINAL) {
      try {
        return staging.read(u.id(), from, count);
      } catch (NoSuchFileException e) {
        // The worker stored it and dropped staging since the row was read: read the object.
        Upload now = repo.find(u.id()).orElseThrow(UploadException::notFound);
        if (now.state() == UploadState.STORED && now.storageKey() != null) {
          return count == 0
              ? InputStream.nullInputStream()
              : objects.get(now.storageKey(), from, count);
        }
        if (now.state().isGone()) {
          throw UploadException.gone(now.state());
        }
        throw e;
      }
    }
    List<InputStream> streams = new ArrayList<>();
    long skip = from;
    long remaining = count;
    for (UUID partId : u.concatParts()) {
      Upload part = repo.find(partId).orElseThrow(UploadException::notFound);
      long len = part.offset();
      if (skip >= len) {
        skip -= len;
        continue;
      }
      long take = Math.min(len - skip, remaining);
      if (take <= 0) {
        break;
      }
      streams.add(lazy(partId, skip, take));
      remaining -= take;
      skip = 0;
    }
    return new SequenceInputStream(Collections.enumeration(streams));
  }

  private InputStream lazy(UUID id, long from, long count) {
    return new InputStream() {
      private InputStream in;

      private InputStream in() {
        if (in == null) {
          try {
            in = staging.read(id, from, count);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
        return in;
      }

      @Override
      public int read() throws IOException {
        return in().read();
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return in().read(b, off, len);
      }

      @Override
      public void close() throws IOException {
        if (in != null) {
          in.close();
        }
      }
    };
  }
}
