package dev.forgeupload.s3staging;

import dev.forgeupload.core.StagingStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * The writer of one upload staged in S3, used while its lock is held. Bytes collect in memory
 * up to one part; a full part is sent (UploadPart), its ETag recorded and a checkpoint written at
 * the part's end, all before the next byte is taken. {@link #force} also sends what does not fill
 * a part, as a new tail object, and writes a checkpoint at the position.
 */
final class S3Writer implements StagingStore.Writer {
  private final S3StagingStore store;
  private final StagingRows.Staged staged;
  private final UUID id;
  private final long partBytes;
  private final long start;
  private byte[] buf;
  private int filled; // bytes of the part in progress
  private SHA256Digest digest;
  private byte[] head;
  private boolean headSaved;
  private volatile long position;
  /** The last offset with a checkpoint row this writer made or opened at. */
  private volatile long durable;

  S3Writer(S3StagingStore store, StagingRows.Staged staged, StagingRows.Checkpoint cp,
      byte[] head) throws IOException {
    this.store = store;
    this.staged = staged;
    this.id = staged.id();
    this.partBytes = staged.partBytes();
    this.start = cp.offset();
    reset(cp, head);
  }

  /** The writer as of checkpoint {@code cp}: the tail read back into the part buffer. */
  private void reset(StagingRows.Checkpoint cp, byte[] headBytes) throws IOException {
    int tail = (int) (cp.offset() % partBytes);
    if (tail != cp.tailBytes()) {
      throw new IOException("S3 checkpoint of " + id + " at " + cp.offset() + " has a tail of "
          + cp.tailBytes() + " bytes, expected " + tail);
    }
    buf = new byte[(int) Math.min(partBytes, Math.max(tail, 1 << 20))];
    filled = 0;
    if (tail > 0) {
      try (InputStream in = store.s3().get(cp.tailKey(), 0, tail)) {
        byte[] t = in.readNBytes(tail);
        if (t.length != tail) {
          throw new IOException("tail of " + id + " is " + t.length + " bytes, expected " + tail);
        }
        ensure(tail);
        System.arraycopy(t, 0, buf, 0, tail);
        filled = tail;
      }
    }
    digest = DigestState.decode(cp.sha256State());
    head = headBytes.length >= S3StagingStore.HEAD_BYTES || headBytes.length == cp.offset()
        ? headBytes : Arrays.copyOf(headBytes, (int) Math.min(headBytes.length, cp.offset()));
    headSaved = head.length >= S3StagingStore.HEAD_BYTES;
    position = cp.offset();
    durable = cp.offset();
  }

  private void ensure(int size) {
    if (buf.length < size) {
      buf = Arrays.copyOf(buf, (int) Math.min(partBytes, Math.max(size, 2L * buf.length)));
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = (int) Math.min(len, partBytes - filled);
      ensure(filled + n);
      System.arraycopy(b, off, buf, filled, n);
      digest.update(b, off, n);
      if (head.length < S3StagingStore.HEAD_BYTES) {
        int h = Math.min(n, S3StagingStore.HEAD_BYTES - head.length);
        byte[] grown = Arrays.copyOf(head, head.length + h);
        System.arraycopy(b, off, grown, head.length, h);
        head = grown;
      }
      filled += n;
      position += n;
      off += n;
      len -= n;
      if (filled == partBytes) {
        sendPart();
      }
    }
  }

  /** The full part to S3, its ETag and a checkpoint at its end to PostgreSQL. */
  private void sendPart() throws IOException {
    int number = (int) (position / partBytes);
    String etag = store.s3().uploadPart(staged.objectKey(), staged.multipartId(), number, buf,
        filled);
    store.rows().putPart(id, number, etag);
    saveHead();
    store.rows().putCheckpoint(id, checkpointRow(null, 0));
    filled = 0;
    durable = position;
  }

  private StagingRows.Checkpoint checkpointRow(String tailKey, long tailBytes) {
    SHA256Digest copy = new SHA256Digest(digest);
    return new StagingRows.Checkpoint(position, tailKey, tailBytes, DigestState.encode(copy),
        position < S3StagingStore.HEAD_BYTES ? head : new byte[0]);
  }

  private void saveHead() {
    if (!headSaved && head.length >= S3StagingStore.HEAD_BYTES) {
      store.rows().setHead(id, head);
      headSaved = true;
    }
  }

  /** Only the writer's thread calls this (the write path's end of a body). */
  @Override
  public void force() throws IOException {
    if (position == durable) {
      return;
    }
    String tailKey = S3StagingStore.tailKey(id, position);
    store.s3().put(tailKey, buf, filled);
    saveHead();
    store.rows().putCheckpoint(id, checkpointRow(tailKey, filled));
    durable = position;
  }

  /** Mid-body: what S3 acknowledged (the last full part); sends nothing. */
  @Override
  public long checkpoint(long at) {
    return Math.min(at, durable);
  }

  @Override
  public long committedPiece() {
    return durable;
  }

  /** Back to the checkpoint at {@code offset} (the body's start, or the last recorded one). */
  @Override
  public void truncate(long offset) throws IOException {
    if (offset == position) {
      return;
    }
    StagingRows.Checkpoint cp = offset == 0 && start == 0
        ? store.rows().checkpoint(id, 0).orElse(new StagingRows.Checkpoint(0, null, 0,
            DigestState.encode(DigestState.fresh()), new byte[0]))
        : store.rows().checkpoint(id, offset).orElseThrow(
            () -> new IOException("no S3 checkpoint of " + id + " at " + offset));
    for (StagingRows.Checkpoint c : store.rows().checkpoints(id)) {
      if (c.offset() > offset) {
        store.dropCheckpoint(id, c);
      }
    }
    byte[] keptHead = Arrays.copyOf(head, (int) Math.min(head.length, offset));
    reset(cp, keptHead);
  }

  @Override
  public long position() {
    return position;
  }

  /** Bytes this writer still holds: the first ones, or those of the part in progress. */
  Optional<byte[]> bytes(long from, long count) {
    synchronized (this) {
      if (from + count <= head.length) {
        return Optional.of(Arrays.copyOfRange(head, (int) from, (int) (from + count)));
      }
      long partStart = position - filled;
      if (from >= partStart && from + count <= position) {
        int at = (int) (from - partStart);
        return Optional.of(Arrays.copyOfRange(buf, at, at + (int) count));
      }
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    store.closed(id, this);
  }
}
