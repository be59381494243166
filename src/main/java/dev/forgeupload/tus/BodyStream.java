package dev.forgeupload.tus;

import dev.forgeupload.core.BodyReadException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The request body as the write path sees it: read failures become {@link BodyReadException}
 * (client trouble, not server trouble) and the time of the last byte is kept, so a stalled client
 * can be told apart from a slow one.
 */
final class BodyStream extends InputStream {
  /** The rate is judged per window, so a short pause (or a tiny body) is never held against it. */
  static final long WINDOW_NANOS = 10_000_000_000L;

  private final InputStream in;
  private final long minBytesPerSecond;
  private volatile long lastReadNanos = System.nanoTime();
  private long windowStart = System.nanoTime();
  private long windowBytes;

  BodyStream(InputStream in, long minBytesPerSecond) {
    this.in = in;
    this.minBytesPerSecond = minBytesPerSecond;
  }

  long idleNanos() {
    return System.nanoTime() - lastReadNanos;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      int n = in.read(b, off, len);
      long now = System.nanoTime();
      lastReadNanos = now;
      if (n > 0) {
        windowBytes += n;
      }
      long elapsed = now - windowStart;
      if (minBytesPerSecond > 0 && n >= 0 && elapsed >= WINDOW_NANOS) {
        // A client trickling bytes just fast enough to dodge the idle timeout holds a request
        // (and an upload's lock) forever: cut it off; what it sent so far is kept.
        if (windowBytes * 1_000_000_000L / elapsed < minBytesPerSecond) {
          throw new BodyReadException(
              new IOException(
                  "request body slower than " + minBytesPerSecond + " bytes/s over "
                      + elapsed / 1_000_000 + " ms"));
        }
        windowStart = now;
        windowBytes = 0;
      }
      return n;
    } catch (IOException e) {
      throw new BodyReadException(e);
    } catch (RuntimeException e) {
      // Jetty reports some aborted reads as unchecked exceptions.
      throw new BodyReadException(new IOException(e.toString(), e));
    }
  }
}
