package dev.forgeupload.core;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path, independent of HTTP: create an upload (with or without a first body), append a
 * PATCH body, declare a late length. Each reads top-down: check, reserve, write the chunk
 * ({@link ChunkWriter}), complete ({@link Lifecycle}).
 */
public final class UploadWriter {
  private static final Logger log = LoggerFactory.getLogger(UploadWriter.class);

  private final UploadRepository repo;
  private final StagingStore staging;
  private final UploadEvents events;
  private final UploadMetrics metrics;
  private final ContentGate gate;
  private final Quota quota;
  private final Lifecycle lifecycle;
  private final ChunkWriter chunks;
  private final Clock clock;
  private final long maxUploadBytes;
  private final Duration expiry;
  private final int inlineMaxBytes;
  private final ExecutorService checkpoints =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "checkpoint");
            t.setDaemon(true);
            return t;
          });

  /**
   * Limits and timing of the write path. {@code inlineMaxBytes}: an upload of at most this length
   * whose whole content comes with its creation request keeps it with its row ({@link
   * UploadRepository#createWhole}); 0 when the staging store cannot read such bodies back.
   */
  public record Settings(
      long maxUploadBytes, Duration expiry, Duration checkpointInterval, int inlineMaxBytes) {
    public Settings(long maxUploadBytes, Duration expiry, Duration checkpointInterval) {
      this(maxUploadBytes, expiry, checkpointInterval, 0);
    }
  }

  public UploadWriter(
      UploadRepository repo, StagingStore staging, UploadEvents events, UploadMetrics metrics,
      ContentGate gate, Quota quota, Lifecycle lifecycle, Clock clock, Settings settings) {
    this.repo = repo;
    this.staging = staging;
    this.events = events;
    this.metrics = metrics;
    this.gate = gate;
    this.quota = quota;
    this.lifecycle = lifecycle;
    this.clock = clock;
    this.maxUploadBytes = settings.maxUploadBytes();
    this.expiry = settings.expiry();
    this.inlineMaxBytes = settings.inlineMaxBytes();
    this.chunks = new ChunkWriter(staging, events, metrics, settings.checkpointInterval());
  }

  public long maxUploadBytes() {
    return maxUploadBytes;
  }

  public OffsetDateTime newExpiry() {
    return OffsetDateTime.now(clock).plus(expiry);
  }

  /** POST without a body: a new row (a final upload takes its length from its parts). */
  public Upload create(NewUpload n) {
    gate.refuseDeniedClaim(n);
    validateLength(n.length());
    Upload u = repo.create(n, 0, ContentGate.initialContentType(n), quota.limits());
    metrics.created();
    log.info("UploadCreated id={} length={} kind={} filename_len={}", u.id(), u.length(),
        u.kind().dbName(), u.filename() == null ? 0 : u.filename().length());
    if (n.kind() == UploadKind.FINAL) {
      u = repo.refreshFinal(u.id()).orElse(u);
    }
    if (u.isComplete()) {
      Optional<UploadException> rejected = lifecycle.completed(u);
      if (rejected.isPresent()) {
        throw rejected.get();
      }
    } else {
      events.state(u.id(), u.state(), u.offset(), u.length());
    }
    return u;
  }

  /**
   * creation-with-upload: the body goes to staging first and the row is inserted with its offset,
   * one commit. A small upload whose body brings all of it skips staging: its bytes are inserted
   * with the row (same statement, same commit). A client that goes away mid-body never learned
   * the upload's URL, so nothing is kept.
   */
  public Upload createWithBody(NewUpload n, Patch p, InputStream body) throws IOException {
    if (n.kind() == UploadKind.FINAL) {
      throw UploadException.badRequest("a final upload cannot carry a body");
    }
    gate.refuseDeniedClaim(n);
    validateLength(n.length());
    long limit = quota.beforeNewBody(n, n.length() != null ? n.length() : maxUploadBytes);
    ContentGate.Check check = gate.forNew(n);
    Upload u;
    try {
      StagingStore.Plan plan = new StagingStore.Plan(
          ObjectKeys.of(n.id(), OffsetDateTime.now(clock), n.filename()),
          n.length() != null ? n.length() : maxUploadBytes);
      ChunkWriter.Target t = new ChunkWriter.Target(n.id(), 0, limit, n.length() != null, plan);
      // null: staging's own writer
      InlineBody inline = inlineable(n, p) ? new InlineBody((int) (long) n.length()) : null;
      long end = chunks.write(t, p, body, Offsets.unrecorded(0), check, inline);
      String contentType = check.contentTypeOr(ContentGate.initialContentType(n));
      if (inline == null) {
        u = repo.create(n, end, contentType, quota.limits());
      } else if (inline.whole()) {
        u = repo.createWhole(n, inline.bytes(), contentType, quota.limits());
      } else {
        u = repo.create(n, stage(n.id(), plan, inline.bytes()), contentType, quota.limits());
      }
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
    log.info("UploadCreated id={} length={} offset={} kind={}", u.id(), u.length(), u.offset(),
        u.kind().dbName());
    if (u.isComplete()) {
      lifecycle.completed(u);
    }
    return u;
  }

  /**
   * Whether the body may be held in memory and kept with the row: a declared length within the
   * inline limit, and no trailer checksum (its algorithm is named after the body, and the bytes
   * are read back from staging to check it).
   */
  private boolean inlineable(NewUpload n, Patch p) {
    return n.length() != null && n.length() > 0 && n.length() <= inlineMaxBytes
        && !p.trailerExpected();
  }

  /**
   * A small body that did not bring the whole upload: to staging after all, durable (a staging
   * failure is a 503, as in {@link ChunkWriter}).
   */
  private long stage(UUID id, StagingStore.Plan plan, byte[] bytes) {
    try (StagingStore.Writer w = staging.openWriter(id, 0, plan)) {
      w.write(bytes, 0, bytes.length);
      w.force();
      return w.position();
    } catch (IOException e) {
      log.warn("StagingWriteFailed id={} error={}", id, e.toString());
      throw new UploadException(Problem.STAGING_UNAVAILABLE,
          "the upload's bytes could not be staged right now; try again later");
    }
  }

  /**
   * Appends a PATCH body. The caller holds the upload's lock, so the row read here is current.
   * Bytes received before the client went away are kept (unless a checksum covers the body); a
   * checksum mismatch keeps the offset.
   */
  public Upload append(UUID id, Patch p, InputStream body) throws IOException {
    Upload u = lifecycle.current(id);
    if (u.kind() == UploadKind.FINAL) {
      throw new UploadException(
          Problem.FINAL_UPLOAD, "a final (concatenated) upload cannot be patched");
    }
    if (u.state() == UploadState.FAILED && !u.isComplete()) {
      // only a content check fails an unfinished upload
      throw new UploadException(Problem.UPLOAD_REJECTED, "this upload was rejected: " + u.error());
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
    Offsets offsets =
        Offsets.recorded(repo, u.id(), u.offset(), this::newExpiry, checkpoints);
    long limit = (u.hasLength() ? u.length() : maxUploadBytes) - u.offset();
    try (Quota.Reservation r = quota.reserve(u, p.contentLength(), limit)) {
      StagingStore.Plan plan =
          new StagingStore.Plan(ObjectKeys.of(u), u.hasLength() ? u.length() : maxUploadBytes);
      chunks.write(new ChunkWriter.Target(u.id(), u.offset(), r.limit, u.hasLength(), plan), p,
          body, offsets, gate.forPatch(u).orElse(null));
    } catch (UploadException e) {
      if (e.isContentRejection()) {
        gate.reject(u, e);
      }
      throw e;
    }
    Upload after = offsets.last() == null ? u : offsets.last();
    if (after.isComplete()) {
      lifecycle.completed(after);
    } else {
      // the throttled progress events may have skipped the last bytes of this PATCH
      events.state(after.id(), after.state(), after.offset(), after.length());
    }
    return after;
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
      gate.checkDeclaredLength(u, length);
    }
    // the owner's quota is checked with the update (a 413 when this length does not fit)
    if (length < u.offset()
        || !repo.declareLength(u.id(), length, u.owner(), quota.limits())) {
      throw UploadException.badRequest(
          "Upload-Length " + length + " is less than the offset " + u.offset());
    }
    Upload after = lifecycle.current(u.id());
    if (after.isComplete()) {
      lifecycle.completed(after);
    }
    return after;
  }

  private void validateLength(Long length) {
    if (length != null && length > maxUploadBytes) {
      throw UploadException.tooLarge(
          "Upload-Length " + length + " exceeds the maximum of " + maxUploadBytes);
    }
  }
}
