package dev.forgeupload.core;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The core wired on in-memory fakes (repository with finals, staging, object store, queue,
 * events, metrics) and a clock the test moves, for fast unit tests of the write path and the
 * lifecycle.
 */
final class CoreFixture {
  static final Duration EXPIRY = Duration.ofHours(1);

  final ConcatUploadRepository repo = new ConcatUploadRepository();
  final InMemoryStagingStore staging = new InMemoryStagingStore();
  final InMemoryObjectStore objects = new InMemoryObjectStore();
  final Recorders.Queue queue = new Recorders.Queue();
  final Recorders.Events events = new Recorders.Events();
  final Recorders.Metrics metrics = new Recorders.Metrics();
  final MovableClock clock = new MovableClock(Instant.parse("2026-03-04T05:06:07Z"));
  final Uploads uploads;

  CoreFixture() {
    this(ContentPolicy.defaults(), OwnerLimits.NONE, 1L << 30);
  }

  CoreFixture(ContentPolicy policy, OwnerLimits limits, long maxUploadBytes) {
    this(policy, limits, maxUploadBytes, Duration.ZERO);
  }

  CoreFixture(ContentPolicy policy, OwnerLimits limits, long maxUploadBytes,
      Duration checkpointInterval) {
    this(policy, limits, maxUploadBytes, checkpointInterval, 0);
  }

  /** {@code inlineMaxBytes}: whole small bodies kept with their rows (0: never). */
  CoreFixture(ContentPolicy policy, OwnerLimits limits, long maxUploadBytes,
      Duration checkpointInterval, int inlineMaxBytes) {
    repo.rows.inlineSink = staging::put;
    uploads = Uploads.wire(repo, staging, objects, queue, events, metrics, policy, limits, clock,
        new UploadWriter.Settings(maxUploadBytes, EXPIRY, checkpointInterval, inlineMaxBytes));
  }

  UploadWriter writer() {
    return uploads.writer();
  }

  Lifecycle lifecycle() {
    return uploads.lifecycle();
  }

  NewUpload newUpload(String owner, Long length, UploadKind kind, String type, String name) {
    return newUpload(owner, length, kind, null, type, name);
  }

  NewUpload newUpload(
      String owner, Long length, UploadKind kind, List<UUID> parts, String type, String name) {
    Map<String, String> meta = new LinkedHashMap<>();
    if (type != null) {
      meta.put("filetype", type);
    }
    if (name != null) {
      meta.put("filename", name);
    }
    return new NewUpload(UUID.randomUUID(), owner, length, kind, parts, meta, null, "127.0.0.1",
        writer().newExpiry());
  }

  /** A regular upload of {@code length} (null: deferred) with no owner and no claim. */
  Upload create(Long length) {
    return writer().create(newUpload(null, length, UploadKind.REGULAR, null, null));
  }

  Upload append(UUID id, long offset, byte[] body) throws IOException {
    return writer().append(id, patch(offset), new ByteArrayInputStream(body));
  }

  Upload row(UUID id) {
    return repo.get(id);
  }

  static Patch patch(long offset) {
    return new Patch(offset, null, null, null, false, null);
  }

  /** A PATCH that declares a deferred length. */
  static Patch declaring(long offset, long length) {
    return new Patch(offset, length, null, null, false, null);
  }

  static InputStream body(byte[] b) {
    return new ByteArrayInputStream(b);
  }

  static InputStream empty() {
    return InputStream.nullInputStream();
  }

  /** A row as the repository would hold it, for lifecycle tests. */
  static Upload row(UUID id, UploadKind kind, UploadState state, Long length, long offset,
      boolean complete, List<UUID> parts, String storageKey) {
    OffsetDateTime t = OffsetDateTime.of(2026, 3, 4, 5, 6, 7, 0, ZoneOffset.UTC);
    return new Upload(id, null, "f.bin", null, length, offset, state, kind, parts, Map.of(), null,
        null, storageKey, null, "127.0.0.1", t, t, complete ? t : null, null, t.plusDays(1));
  }

  /** Delivers {@code failAfter} bytes, then fails like a dropped connection. */
  static final class BreakingStream extends InputStream {
    private final byte[] data;
    private final int failAfter;
    private int pos;

    BreakingStream(byte[] data, int failAfter) {
      this.data = data;
      this.failAfter = failAfter;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (pos >= failAfter) {
        throw new BodyReadException(new IOException("connection reset"));
      }
      int n = Math.min(len, failAfter - pos);
      System.arraycopy(data, pos, b, off, n);
      pos += n;
      return n;
    }
  }

  /** A clock the test sets. */
  static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
