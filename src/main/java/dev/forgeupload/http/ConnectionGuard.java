package dev.forgeupload.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Limits on raw connections that Jetty does not have: a deadline for a whole request head ({@code
 * FORGE_HEADER_TIMEOUT_SECONDS}) and a cap on open connections per client address ({@code
 * FORGE_MAX_CONNECTIONS_PER_ADDRESS}).
 *
 * <p>Jetty's idle timeout starts again with every byte, so a client trickling one header line
 * every few seconds held its connection for as long as it liked. Here a sweep looks at every
 * connection's HTTP parser a few times per deadline: a connection whose request head has been
 * arriving for longer than the deadline is closed. The head's clock starts when the connection
 * is accepted (for its first request) or when the first byte of a later request is seen; it
 * stops when the head is complete, so a long body (an upload) or a long response (an event
 * stream) is never cut by it; an idle kept-alive connection is left to the idle timeout.
 *
 * <p>The address cap counts connections as they open and closes one past the cap at once,
 * before anything is read. Both are per node.
 */
final class ConnectionGuard extends AbstractLifeCycle implements Connection.Listener {
  private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
  private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final ServerConnector connector;
  private final long headerTimeoutNanos; // 0: no deadline
  private final int maxPerAddress; // 0: no cap
  private final long sweepMillis;

  private final Map<Connection, String> counted = new ConcurrentHashMap<>();
  private final Map<String, Integer> perAddress = new HashMap<>(); // guarded by itself
  /** Later requests' heads in progress: when the sweep first saw them (sweep thread only). */
  private Map<Connection, long[]> heads = new HashMap<>();
  private volatile Scheduler.Task next;

  // (System.nanoTime() has an arbitrary origin: "long ago" is now minus the interval)
  private long refusedSinceLog;
  private long lastRefusedLog = System.nanoTime() - LOG_EVERY_NANOS;
  private long closedSinceLog;
  private long lastClosedLog = System.nanoTime() - LOG_EVERY_NANOS;

  ConnectionGuard(ServerConnector connector, Duration headerTimeout, int maxPerAddress) {
    this.connector = connector;
    this.headerTimeoutNanos = headerTimeout.toNanos();
    this.maxPerAddress = maxPerAddress;
    this.sweepMillis = Math.max(100, Math.min(1000, headerTimeout.toMillis() / 5));
  }

  // ---- per-address cap

  private static String address(Connection c) {
    SocketAddress a = c.getEndPoint().getRemoteSocketAddress();
    if (a instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return inet.getAddress().getHostAddress();
    }
    return String.valueOf(a);
  }

  @Override
  public void onOpened(Connection connection) {
    if (maxPerAddress <= 0) {
      return;
    }
    String address = address(connection);
    int open;
    synchronized (perAddress) {
      open = perAddress.getOrDefault(address, 0);
      if (open < maxPerAddress) {
        perAddress.put(address, open + 1);
        counted.put(connection, address);
        return;
      }
    }
    connection.getEndPoint().close(); // over the cap: closed before a byte is read
    logRefused(address, open);
  }

  @Override
  public void onClosed(Connection connection) {
    String address = counted.remove(connection);
    if (address == null) {
      return;
    }
    synchronized (perAddress) {
      perAddress.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  /** Open connections counted for an address (tests, diagnostics). */
  int open(String address) {
    synchronized (perAddress) {
      return perAddress.getOrDefault(address, 0);
    }
  }

  private synchronized void logRefused(String address, int open) {
    refusedSinceLog++;
    long now = System.nanoTime();
    if (now - lastRefusedLog >= LOG_EVERY_NANOS) {
      log.info("ConnectionRefused reason=too_many_connections address={} open={} cap={} "
          + "refused_since_last_log={}", address, open, maxPerAddress, refusedSinceLog);
      lastRefusedLog = now;
      refusedSinceLog = 0;
    }
  }

  // ---- request head deadline

  @Override
  protected void doStart() throws Exception {
    super.doStart();
    if (headerTimeoutNanos > 0) {
      schedule();
    }
  }

  @Override
  protected void doStop() throws Exception {
    Scheduler.Task task = next;
    if (task != null) {
      task.cancel();
    }
    super.doStop();
  }

  private void schedule() {
    if (isRunning() || isStarting()) {
      next = connector.getScheduler().schedule(this::sweep, sweepMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void sweep() {
    try {
      logClosed(closeLateHeads(System.nanoTime(), System.currentTimeMillis()));
    } catch (RuntimeException e) {
      log.warn("HeaderSweepFailed error={}", e.toString());
    } finally {
      schedule();
    }
  }

  /** Closes the connections whose request head is later than the deadline; returns how many. */
  int closeLateHeads(long nowNanos, long nowMillis) {
    Map<Connection, long[]> seen = new HashMap<>();
    int closed = 0;
    for (EndPoint endPoint : connector.getConnectedEndPoints()) {
      if (!(endPoint.getConnection() instanceof HttpConnection c)) {
        continue;
      }
      HttpParser parser = c.getParser();
      if (!parser.inHeaderState()) {
        continue; // a request being handled (body, response) or the parser closing
      }
      long in = c.getMessagesIn();
      long out = c.getMessagesOut();
      long late;
      if (in == 0 && out == 0) {
        // the first request: its clock started when the connection was accepted
        late = TimeUnit.MILLISECONDS.toNanos(nowMillis - endPoint.getCreatedTimeStamp());
      } else if (in == out && parser.getState() != HttpParser.State.START) {
        // a later request's head is arriving: timed from the first sweep that saw it
        long[] head = heads.get(c);
        if (head == null || head[0] != out) {
          head = new long[] {out, nowNanos};
        }
        seen.put(c, head);
        late = nowNanos - head[1];
      } else {
        continue; // kept alive between requests: the idle timeout's business
      }
      if (late > headerTimeoutNanos) {
        endPoint.close(
            new TimeoutException(
                "request head not complete within "
                    + TimeUnit.NANOSECONDS.toSeconds(headerTimeoutNanos) + " s"));
        seen.remove(c);
        closed++;
      }
    }
    heads = seen;
    return closed;
  }

  /** At most one line per 10 s, with everything closed since the last one (sweep thread). */
  private void logClosed(int closed) {
    closedSinceLog += closed;
    long now = System.nanoTime();
    if (closedSinceLog > 0 && now - lastClosedLog >= LOG_EVERY_NANOS) {
      log.info("RequestHeadTimedOut closed={} deadline_seconds={}", closedSinceLog,
          TimeUnit.NANOSECONDS.toSeconds(headerTimeoutNanos));
      lastClosedLog = now;
      closedSinceLog = 0;
    }
  }
}
