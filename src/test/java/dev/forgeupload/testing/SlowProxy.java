package dev.forgeupload.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on 127.0.0.1 in front of a server (S3Proxy, say) that lets the bytes sent to it
 * through at most {@code bytesPerSecond} in total, over every connection: a transfer that would
 * take milliseconds takes seconds, long enough for a test to act while it runs (change the file
 * being read, kill the process). Answers flow back unthrottled.
 */
public final class SlowProxy implements AutoCloseable {
  private final ServerSocket server;
  private final String targetHost;
  private final int targetPort;
  private final long bytesPerSecond;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private long next;
  private volatile boolean closed;

  private SlowProxy(URI target, long bytesPerSecond) throws IOException {
    this.targetHost = target.getHost();
    this.targetPort = target.getPort();
    this.bytesPerSecond = bytesPerSecond;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "slow-proxy");
    t.setDaemon(true);
    t.start();
  }

  /** A proxy to {@code target} ({@code http://host:port}). */
  public static SlowProxy to(String target, long bytesPerSecond) {
    try {
      return new SlowProxy(URI.create(target), bytesPerSecond);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(targetHost, targetPort);
        open.add(client);
        open.add(upstream);
        pump(client.getInputStream(), upstream.getOutputStream(), true, client, upstream);
        pump(upstream.getInputStream(), client.getOutputStream(), false, client, upstream);
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void pump(
      InputStream in, OutputStream out, boolean throttled, Socket a, Socket b) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[throttled ? 8192 : 65536];
              try {
                int n;
                while ((n = in.read(buf)) > 0) {
                  if (throttled) {
                    pace(n);
                  }
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // one side closed
              } finally {
                closeQuietly(a);
                closeQuietly(b);
              }
            },
            "slow-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Waits as long as sending {@code n} bytes takes at the rate, after what was sent before. */
  private void pace(int n) {
    long wait;
    synchronized (this) {
      long now = System.nanoTime();
      next = Math.max(next, now) + (long) (n * 1e9 / bytesPerSecond);
      wait = next - now;
    }
    if (wait < 2_000_000) {
      return; // sleeps are coarse: owe short waits until they add up
    }
    try {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeQuietly(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    open.forEach(this::closeQuietly);
  }
}
