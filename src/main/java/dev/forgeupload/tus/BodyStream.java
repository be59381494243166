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
  private final InputStream in;
  private volatile long lastReadNanos = System.nanoTime();

  BodyStream(InputStream in) {
    this.in = in;
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
      lastReadNanos = System.nanoTime();
      return n;
    } catch (IOException e) {
      throw new BodyReadException(e);
    } catch (RuntimeException e) {
      // Jetty reports some aborted reads as unchecked exceptions.
      throw new BodyReadException(new IOException(e.toString(), e));
    }
  }
}
