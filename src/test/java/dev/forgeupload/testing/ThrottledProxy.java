package dev.forgeupload.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on a loopback port that forwards to {@code target}, with the bytes towards the
 * target limited to {@code bytesPerSecond} (all connections together): a slow link to S3, as a
 * store far away or a busy one would be. Answers come back at full speed.
 */
public final class ThrottledProxy implements AutoCloseable {
  private static final int PIECE = 16 * 1024;

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final long bytesPerSecond;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private long nextFree = System.nanoTime(); // guarded by this: when the link is free again
  private volatile boolean closed;
  private volatile boolean stalled;

  private ThrottledProxy(InetSocketAddress target, long bytesPerSecond) throws IOException {
    this.target = target;
    this.bytesPerSecond = bytesPerSecond;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "throttled-proxy");
    accept.setDaemon(true);
    accept.start();
  }

  /** Forwards to {@code host:port}, upstream at {@code bytesPerSecond}. */
  public static ThrottledProxy start(String host, int port, long bytesPerSecond) {
    try {
      return new ThrottledProxy(new InetSocketAddress(host, port), bytesPerSecond);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Forwards to {@code target} ({@code http://host:port}), upstream at {@code bytesPerSecond}. */
  public static ThrottledProxy to(String target, long bytesPerSecond) {
    java.net.URI uri = java.net.URI.create(target);
    return start(uri.getHost(), uri.getPort(), bytesPerSecond);
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        upstream.connect(target, 5000);
        open.add(client);
        open.add(upstream);
        pump(client, upstream, true);
        pump(upstream, client, false);
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void pump(Socket from, Socket to, boolean throttled) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[PIECE];
              try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                  if (throttled) {
                    pace(n);
                  }
                  out.write(buf, 0, n);
                  out.flush();
                }
                to.shutdownOutput();
              } catch (IOException | InterruptedException e) {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "throttled-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Stops (or restarts) carrying bytes upstream: a writer on the other side blocks once the
   * socket buffers are full, as it would on a link that went quiet.
   */
  public void stall(boolean on) {
    stalled = on;
  }

  /** Holds {@code n} bytes for as long as the link takes to carry them (no bursts after idling). */
  private void pace(int n) throws InterruptedException {
    while (stalled && !closed) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
    long due;
    synchronized (this) {
      nextFree = Math.max(nextFree, System.nanoTime()) + (long) (n * 1e9 / bytesPerSecond);
      due = nextFree;
    }
    long wait = due - System.nanoTime();
    if (wait >= 2_000_000) { // sleeps are coarse: short waits are owed until they add up
      TimeUnit.NANOSECONDS.sleep(wait);
    }
  }

  private static void closeQuietly(Socket s) {
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
    open.forEach(ThrottledProxy::closeQuietly);
  }
}
