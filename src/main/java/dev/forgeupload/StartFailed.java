package dev.forgeupload;

import dev.forgeupload.config.Config;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;

/**
 * Start-up stopped for a reason outside the configuration's syntax: the port is taken, or a
 * service cannot be used. The message is the one line an operator needs (what, where, which
 * variable, why); {@link Main} prints it without a stack trace and exits 1.
 */
final class StartFailed extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private StartFailed(String message, Throwable cause) {
    super(message, cause);
  }

  /** The HTTP port could not be bound. */
  static StartFailed bind(String host, int port, Exception e) {
    String where = host + ":" + port;
    if (e instanceof BindException && String.valueOf(e.getMessage()).contains("in use")) {
      return new StartFailed(
          "port " + where + " is in use (FORGE_HTTP_PORT=" + port + ", FORGE_HTTP_HOST=" + host
              + "): stop what listens there or set FORGE_HTTP_PORT to a free port", e);
    }
    return new StartFailed(
        "cannot listen on " + where + " (FORGE_HTTP_HOST=" + host + ", FORGE_HTTP_PORT=" + port
            + "): " + reason(e), e);
  }

  /**
   * A service failed its first use. {@code variable} names where its address came from: {@code
   * FORGE_DATABASE_URL} and the like, or null for an embedded one.
   */
  static StartFailed service(String service, String url, String variable, Exception e) {
    Throwable root = root(e);
    String from = variable == null ? "embedded" : variable;
    String where = service + (unreachable(root) ? " unreachable at " : " failed at ")
        + Config.redactUrl(url) + " (" + from + ")";
    return new StartFailed(where + ": " + reason(root), e);
  }

  /** The innermost cause; a client that tried several addresses keeps their failures suppressed. */
  private static Throwable root(Throwable e) {
    Throwable t = e;
    for (int depth = 0; depth < 20; depth++) {
      Throwable next = t.getCause();
      if (next == null && t.getSuppressed().length > 0) {
        next = t.getSuppressed()[0];
      }
      if (next == null || next == t) {
        break;
      }
      t = next;
    }
    return t;
  }

  private static boolean unreachable(Throwable root) {
    return root instanceof ConnectException
        || root instanceof NoRouteToHostException
        || root instanceof UnknownHostException
        || root instanceof UnresolvedAddressException
        || root instanceof SocketTimeoutException;
  }

  /** The root cause in one line of at most 300 characters. */
  static String reason(Throwable e) {
    Throwable root = root(e);
    String m = root.getMessage();
    if (root instanceof UnknownHostException) {
      m = "unknown host " + m;
    } else if (root instanceof UnresolvedAddressException) {
      m = "unknown host";
    } else if (m == null || m.isBlank()) {
      m = root.getClass().getSimpleName();
    }
    m = m.replaceAll("\\s+", " ").strip();
    return m.length() > 300 ? m.substring(0, 300) + "..." : m;
  }
}
