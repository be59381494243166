package dev.forgeupload.core;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request body into an upload's staged bytes: read it in large pieces, stop it at its limit,
 * hash it for its checksum, run the content check on the first bytes, and make it durable. Where
 * the offsets go is the {@link Offsets} the caller passes: a PATCH records them as it goes, a
 * creation-with-upload records nothing (its row is inserted after).
 *
 * <p>The rule that keeps crashes safe: no offset is recorded before the bytes it covers are
 * fsynced, and a writer first cuts staging back to the recorded offset.
 */
final class ChunkWriter {
  private static final Logger log = LoggerFactory.getLogger(ChunkWriter.class);
  private static final int BUFFER_BYTES = 256 * 1024;
  private static final long CHECKPOINT_MIN_BYTES = 1L << 20;

  private final StagingStore staging;
  private final UploadEvents events;
  private final UploadMetrics metrics;
  private final Duration checkpointInterval;

  ChunkWriter(StagingStore staging, UploadEvents events, UploadMetrics metrics,
      Duration checkpointInterval) {
    this.staging = staging;
    this.events = events;
    this.metrics = metrics;
    this.checkpointInterval = checkpointInterval;
  }

  /** Where a body goes: upload, offset, at most {@code limit} bytes. */
  record Target(UUID id, long start, long limit, boolean hasLength, StagingStore.Plan plan) {
    String limitName() {
      return hasLength ? "Upload-Length" : "the maximum upload size (or the owner's quota)";
    }
  }

  /**
   * Writes the body and returns the durable end offset. On failure staging is cut back to what
   * is recorded (to {@code start} for a checksummed body); a client that went away keeps what
   * arrived unless a checksum covers the body. {@code check} is the content check still due on
   * this body's first bytes, or null when none is (a final upload, or bytes already checked).
   */
  long write(Target t, Patch p, InputStream body, Offsets offsets, ContentGate.Check check)
      throws IOException {
    return write(t, p, body, offsets, check, null);
  }

  /** {@link #write} into {@code into} instead of a writer staging opens (null: staging's). */
  long write(Target t, Patch p, InputStream body, Offsets offsets, ContentGate.Check check,
      StagingStore.Writer into) throws IOException {
    if (p.contentLength() != null && p.contentLength() > t.limit()) {
      throw UploadException.tooLarge("body of " + p.contentLength() + " bytes at offset "
          + t.start() + " runs past " + t.limitName());
    }
    try {
      return writeBody(t, p, body, offsets, check, into);
    } catch (BodyReadException e) {
      throw e;
    } catch (IOException e) {
      // staging itself failed (S3 unreachable or refusing, a disk full or gone): nothing past
      // the recorded offset counts, and the client is told to come back rather than a 500
      log.warn("StagingWriteFailed id={} error={}", t.id(), e.toString());
      throw new UploadException(Problem.STAGING_UNAVAILABLE,
          "the upload's bytes could not be staged right now; ask for the offset (HEAD) and "
              + "resume later");
    }
  }

  private long writeBody(Target t, Patch p, InputStream body, Offsets offsets,
      ContentGate.Check check, StagingStore.Writer into) throws IOException {
    // a checksummed or unrecorded body is kept whole or not at all: no checkpoints
    boolean whole = p.checksummed() || !offsets.recorded();
    try (StagingStore.Writer w = into != null ? into : open(t)) {
      try {
        MessageDigest digest = p.checksum() == null ? null : p.checksum().newDigest();
        // a trailer names its algorithm after the body; a store that cannot read the body back
        // (S3 staging: parts of an unfinished multipart upload) has every algorithm computed
        Map<String, MessageDigest> all =
            p.checksum() == null && p.trailerExpected() && !staging.rereadable()
                ? Checksum.allDigests() : null;
        copy(t, body, w, digest, all, whole, offsets, check);
        verify(t, p, w, digest, all, offsets);
        if (check != null
            && (w.position() >= ContentPolicy.SNIFF_BYTES
                || (t.hasLength() && w.position() == t.start() + t.limit()))) {
          offsets.await();
          w.flush(); // the check reads the first bytes back
          check.run(w.position());
        }
        offsets.commitAll(w);
        return w.position();
      } finally {
        offsets.awaitQuietly(); // never close the file under a running checkpoint
      }
    }
  }

  private StagingStore.Writer open(Target t) throws IOException {
    try {
      return staging.openWriter(t.id(), t.start(), t.plan());
    } catch (StagingStore.MissingBytesException e) {
      log.error("StagingMissing id={} error={}", t.id(), e.getMessage());
      throw new UploadException(Problem.STAGING_UNAVAILABLE,
          "this node does not hold the upload's first " + t.start() + " bytes; send it to the "
              + "node that received them");
    }
  }

  /** The body into the file, with checkpoints (recorded offsets) while it streams. */
  private void copy(Target t, InputStream body, StagingStore.Writer w, MessageDigest digest,
      Map<String, MessageDigest> all, boolean whole, Offsets offsets, ContentGate.Check check)
      throws IOException {
    // a body that cannot be larger than the buffer (a small creation-with-upload) gets one of
    // its size, plus the byte that tells it ran past its limit
    byte[] buf = new byte[t.limit() < BUFFER_BYTES ? (int) t.limit() + 1 : BUFFER_BYTES];
    long written = 0;
    long lastAt = System.nanoTime();
    long lastPos = t.start();
    try {
      int n;
      while ((n = fill(body, buf, (int) Math.min(buf.length, t.limit() - written + 1))) > 0) {
        if (written + n > t.limit()) {
          throw UploadException.tooLarge("body runs past " + t.limitName());
        }
        if (check != null && written == 0 && t.start() == 0) {
          check.firstBytes(buf, n); // judged from memory, not read back
        }
        w.write(buf, 0, n);
        metrics.bytesReceived(n);
        if (digest != null) {
          digest.update(buf, 0, n);
        }
        if (all != null) {
          for (MessageDigest d : all.values()) {
            d.update(buf, 0, n);
          }
        }
        written += n;
        if (check != null && !whole && w.position() >= ContentPolicy.SNIFF_BYTES) {
          w.flush(); // the check reads the first bytes back
          check.run(w.position()); // before any checkpoint can record the bytes it covers
        }
        if (offsets.recorded()) {
          events.progress(t.id(), w.position(), t.hasLength() ? t.start() + t.limit() : null);
        }
        // timed checkpoints; and a store that commits pieces itself (S3 parts) is recorded as
        // soon as one more piece is in
        boolean timed = w.position() - lastPos >= CHECKPOINT_MIN_BYTES
            && System.nanoTime() - lastAt >= checkpointInterval.toNanos();
        if (!whole && (timed || w.committedPiece() > lastPos) && offsets.idle()) {
          lastPos = w.position();
          lastAt = System.nanoTime();
          offsets.checkpointAsync(w, lastPos);
        }
      }
    } catch (BodyReadException e) {
      // The client went away or stalled past the read timeout: keep what arrived, unless the
      // body must be kept whole.
      if (whole) {
        w.truncate(t.start());
      } else {
        offsets.commitAll(w);
      }
      log.info("UploadInterrupted id={} kept_offset={} error={}", t.id(),
          whole ? t.start() : offsets.committed(), e.toString());
      throw e;
    } catch (UploadException e) {
      offsets.await();
      w.truncate(offsets.committed());
      throw e;
    }
  }

  /** The header or trailer checksum over the body; a mismatch undoes the body. */
  private void verify(Target t, Patch p, StagingStore.Writer w, MessageDigest digest,
      Map<String, MessageDigest> all, Offsets offsets) throws IOException {
    Checksum checksum = p.checksum();
    if (checksum == null && p.trailerChecksum() != null) {
      String trailer = p.trailerChecksum().get();
      if (trailer == null || trailer.isBlank()) {
        return;
      }
      try {
        checksum = Checksum.parse(trailer);
      } catch (UploadException e) {
        rollback(t, w, offsets);
        throw e;
      }
      // the trailer names its algorithm only now: hash the bytes just written (read back)
      w.flush();
      digest = all != null ? all.get(checksum.algorithm())
          : digestOf(t.id(), t.start(), w.position() - t.start(), checksum);
    }
    if (checksum != null && !checksum.matches(digest.digest())) {
      rollback(t, w, offsets);
      throw UploadException.checksumMismatch(checksum.algorithm());
    }
  }

  private void rollback(Target t, StagingStore.Writer w, Offsets offsets) throws IOException {
    offsets.await();
    w.truncate(t.start());
    offsets.rewind(t.start());
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
}
