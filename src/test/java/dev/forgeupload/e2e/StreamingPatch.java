package dev.forgeupload.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One PATCH over a raw socket, sent from its own thread at a fixed rate (Content-Length declared
 * up front), so a test can act while the body is streaming: kill the server, stop it, or let the
 * client stall after {@code stallAfter} bytes with the connection left open.
 */
final class StreamingPatch implements AutoCloseable {
  private static final int PIECE = 64 * 1024;

  private final byte[] data;
  private final int from;
  private final int count;
  private final long bytesPerSecond;
  private final long stallAfter;
  private final Socket socket;
  private final Thread thread;
  private final AtomicLong sent = new AtomicLong();
  private final CountDownLatch done = new CountDownLatch(1);
  private final CountDownLatch stalled = new CountDownLatch(1);
  private volatile String statusLine;
  private volatile Throwable error;
  private volatile long endedNanos;

  private StreamingPatch(
      String uploadUrl, long offset, byte[] data, int from, int count, long bytesPerSecond,
      long stallAfter)
      throws IOException {
    this.data = data;
    this.from = from;
    this.count = count;
    this.bytesPerSecond = bytesPerSecond;
    this.stallAfter = stallAfter;
    URI u = URI.create(uploadUrl);
    socket = new Socket(u.getHost(), u.getPort());
    socket.setTcpNoDelay(true);
    socket.setSendBufferSize(64 * 1024);
    String head =
        "PATCH " + u.getRawPath() + " HTTP/1.1\r\n"
            + "Host: " + u.getHost() + ":" + u.getPort() + "\r\n"
            + "Tus-Resumable: 1.0.0\r\n"
            + "Content-Type: application/offset+octet-stream\r\n"
            + "Upload-Offset: " + offset + "\r\n"
            + "Content-Length: " + count + "\r\n"
            + "Connection: close\r\n\r\n";
    socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    thread = new Thread(this::run, "streaming-patch");
    thread.setDaemon(true);
  }

  /** Starts sending {@code count} bytes at {@code bytesPerSecond}. */
  static StreamingPatch start(
      String uploadUrl, long offset, byte[] data, int from, int count, long bytesPerSecond)
      throws IOException {
    return start(uploadUrl, offset, data, from, count, bytesPerSecond, Long.MAX_VALUE);
  }

  /** As {@link #start}, but stops sending after {@code stallAfter} bytes and keeps the socket. */
  static StreamingPatch start(
      String uploadUrl, long offset, byte[] data, int from, int count, long bytesPerSecond,
      long stallAfter)
      throws IOException {
    StreamingPatch p =
        new StreamingPatch(uploadUrl, offset, data, from, count, bytesPerSecond, stallAfter);
    p.thread.start();
    return p;
  }

  private void run() {
    long t0 = System.nanoTime();
    try {
      OutputStream out = socket.getOutputStream();
      int pos = 0;
      while (pos < count) {
        if (pos >= stallAfter) {
          stalled.countDown();
          // Stall: send nothing more, keep the connection; the read below ends when the server
          // closes it (or answers).
          break;
        }
        int n = (int) Math.min(Math.min(PIECE, count - pos), stallAfter - pos);
        out.write(data, from + pos, n);
        pos += n;
        sent.set(pos);
        long due = t0 + (long) (pos * 1e9 / bytesPerSecond);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0 && c != '\n') {
        line.append((char) c);
      }
      statusLine = line.toString().strip();
    } catch (Throwable t) {
      error = t;
    } finally {
      endedNanos = System.nanoTime();
      done.countDown();
    }
  }

  /** Bytes of the body written to the socket so far (the server cannot have more). */
  long sent() {
    return sent.get();
  }

  /** True once the stalling client stopped sending. */
  boolean awaitStalled(long timeoutMillis) throws InterruptedException {
    return stalled.await(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  /** Waits for the request to end (answered, or the connection failed). */
  boolean awaitEnd(long timeoutMillis) throws InterruptedException {
    return done.await(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  boolean ended() {
    return done.getCount() == 0;
  }

  long endedNanos() {
    return endedNanos;
  }

  /** The response's status line, empty when the server closed without answering. */
  String statusLine() {
    return statusLine;
  }

  Throwable error() {
    return error;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public String toString() {
    return "StreamingPatch[sent=" + sent() + "/" + count + ", status=" + statusLine + ", error="
        + error + "]";
  }
}
