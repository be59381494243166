package dev.forgeupload.objects;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Original bytes {@code [from, from+count)} of a framed object, from a stream of the object's
 * bytes that starts at the first frame holding {@code from} ({@link #objectRange}): frames are
 * decoded one at a time, the first one's leading bytes skipped, the last one's trailing bytes
 * left out.
 */
public final class FramedInputStream extends InputStream {
  private final InputStream object;
  private final Compression compression;
  private final FrameIndex index;
  private final byte[] packed;
  private final byte[] plain;
  private int frame;
  private int pos;
  private int limit;
  private long remaining;

  public FramedInputStream(
      InputStream object, Compression compression, FrameIndex index, long from, long count) {
    if (from < 0 || count < 0 || from + count > index.length()) {
      throw new IllegalArgumentException(
          "range " + from + "+" + count + " is outside an object of " + index.length());
    }
    this.object = object;
    this.compression = compression;
    this.index = index;
    int maxStored = 0;
    for (int i = 0; i < index.frames(); i++) {
      maxStored = Math.max(maxStored, index.storedSize(i));
    }
    this.packed = new byte[Math.max(1, maxStored)];
    this.plain = new byte[index.frameBytes()];
    this.remaining = count;
    this.frame = count == 0 ? index.frames() : index.frameOf(from);
    this.pos = (int) (from - (long) frame * index.frameBytes());
    this.limit = -1; // the first frame is not decoded yet
  }

  /** The stretch of the object, {@code [start, end)}, that holds original bytes {@code [from, from+count)}. */
  public static long[] objectRange(FrameIndex index, long from, long count) {
    if (count == 0) {
      return new long[] {0, 0};
    }
    int first = index.frameOf(from);
    int last = index.frameOf(from + count - 1);
    return new long[] {index.offset(first), index.end(last)};
  }

  private boolean fill() throws IOException {
    if (remaining == 0) {
      return false;
    }
    if (limit >= 0) {
      frame++;
      pos = 0;
    }
    int stored = index.storedSize(frame);
    int n = object.readNBytes(packed, 0, stored);
    if (n != stored) {
      throw new EOFException("object ended inside frame " + frame);
    }
    int size = index.originalSize(frame);
    compression.decompress(packed, stored, plain, size);
    limit = size;
    return true;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (remaining == 0) {
      return -1;
    }
    while (limit < 0 || pos >= limit) {
      if (!fill()) {
        return -1;
      }
    }
    int n = (int) Math.min(Math.min(len, limit - pos), remaining);
    System.arraycopy(plain, pos, b, off, n);
    pos += n;
    remaining -= n;
    return n;
  }

  @Override
  public void close() throws IOException {
    object.close();
  }
}
