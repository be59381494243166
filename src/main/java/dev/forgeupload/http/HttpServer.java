package dev.forgeupload.http;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import io.micrometer.core.instrument.binder.jetty.JettyConnectionMetrics;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import org.eclipse.jetty.ee10.servlet.FilterMapping;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jakarta.servlet.Filter;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.handler.CrossOriginHandler;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty wiring in one place: connector, timeouts, graceful stop, servlets by path. It serves the
 * socket a {@link Listener} bound earlier.
 */
public final class HttpServer {
  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
  /** After the graceful wait the connections are closed; their handlers end within this. */
  private static final Duration DRAIN = Duration.ofSeconds(10);

  private final Server server;
  private final ServerConnector connector;
  private final ServletContextHandler context;
  private final InFlight inFlight = new InFlight();

  public HttpServer(
      Listener listener,
      boolean trustProxy,
      Duration readTimeout,
      Duration headerTimeout,
      int maxConnectionsPerAddress,
      Duration stopTimeout,
      List<String> corsOrigins,
      Filter auth,
      Map<String, HttpServlet> servlets) {
    QueuedThreadPool pool = new QueuedThreadPool(400, 8);
    pool.setName("http");
    if (VirtualThreads.areSupported()) {
      pool.setVirtualThreadsExecutor(VirtualThreads.getDefaultVirtualThreadsExecutor());
    }
    server = new Server(pool);
    connector = connector(server, trustProxy, readTimeout);
    try {
      connector.open(listener.channel());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // the idle timeout restarts with every byte: a deadline for the whole request head, and a
    // cap on connections per client address (both closed before a request reaches a servlet)
    connector.addBean(new ConnectionGuard(connector, headerTimeout, maxConnectionsPerAddress));
    server.addConnector(connector);
    context = context(inFlight, auth, servlets);
    ErrorHandler errors = new ErrorHandler();
    errors.setShowStacks(false);
    errors.setShowMessageInTitle(false);
    context.setErrorHandler(errors);
    server.setErrorHandler(errors);

    Handler app = context;
    if (!corsOrigins.isEmpty()) {
      app = cors(corsOrigins, context);
    }
    server.setHandler(new GracefulHandler(app));
    server.setStopTimeout(stopTimeout.toMillis());
    server.setStopAtShutdown(false);
  }

  private static ServerConnector connector(
      Server server, boolean trustProxy, Duration readTimeout) {
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(true);
    http.setRequestHeaderSize(64 * 1024);
    // HEAD echoes Upload-Metadata, which can be as long as a request's headers (64 KiB): with
    // Jetty's default 8 KiB response header buffer a 16 KiB echo was a 500
    http.setResponseHeaderSize(80 * 1024);
    if (trustProxy) {
      http.addCustomizer(new ForwardedRequestCustomizer());
    }
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setIdleTimeout(readTimeout.toMillis());
    return connector;
  }

  /**
   * Filters, servlets by path and the web UI. Every filter and servlet supports async: the event
   * stream is an asynchronous response (it holds no request thread), and async needs the whole
   * chain to allow it.
   */
  private static ServletContextHandler context(
      InFlight inFlight, Filter auth, Map<String, HttpServlet> servlets) {
    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder counting = new FilterHolder(inFlight);
    counting.setAsyncSupported(true);
    context.addFilter(counting, "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addFilter(RequestIdFilter.class, "/*", EnumSet.of(DispatcherType.REQUEST))
        .setAsyncSupported(true);
    context.addFilter(SecurityHeadersFilter.class, "/*", EnumSet.of(DispatcherType.REQUEST))
        .setAsyncSupported(true);
    FilterHolder authHolder = new FilterHolder(auth);
    authHolder.setAsyncSupported(true);
    context.addFilter(authHolder, "/*", EnumSet.of(DispatcherType.REQUEST));
    servlets.forEach(
        (path, servlet) -> {
          ServletHolder holder = new ServletHolder(servlet);
          holder.setAsyncSupported(true);
          context.addServlet(holder, path);
        });
    // The web UI: static files built from webapp/ into the classpath under webapp/.
    Resource ui = ResourceFactory.of(context).newClassLoaderResource("webapp/");
    if (ui != null && ui.exists()) {
      context.setBaseResource(ui);
      context.setWelcomeFiles(new String[] {"index.html"});
      ServletHolder files = new ServletHolder("ui", UiServlet.class);
      files.setInitParameter("dirAllowed", "false");
      files.setInitParameter("etags", "true");
      files.setInitParameter("cacheControl", "no-cache");
      context.addServlet(files, "/");
    }
    return context;
  }

  /**
   * CORS for browser apps on other origins ({@code FORGE_CORS_ORIGINS}): Jetty answers preflights
   * itself; the tus headers a client must read are exposed. No credentials mode: tokens travel in
   * the Authorization header, never in cookies.
   */
  private static Handler cors(List<String> origins, Handler next) {
    CrossOriginHandler cors = new CrossOriginHandler();
    cors.setAllowedOriginPatterns(
        origins.stream()
            .map(o -> o.equals("*") ? ".*" : Pattern.quote(o))
            .collect(Collectors.toSet()));
    cors.setAllowedMethods(Set.of("GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"));
    cors.setAllowedHeaders(
        Set.of(
            "Authorization", "Content-Type", "Tus-Resumable", "Upload-Length", "Upload-Offset",
            "Upload-Metadata", "Upload-Defer-Length", "Upload-Concat", "Upload-Checksum",
            "X-HTTP-Method-Override", "X-Requested-With", "X-Request-ID", "Range", "If-Range",
            "If-None-Match"));
    cors.setExposedHeaders(
        Set.of(
            "Location", "Upload-Offset", "Upload-Length", "Upload-Metadata",
            "Upload-Defer-Length", "Upload-Concat", "Upload-Expires", "Tus-Version",
            "Tus-Resumable", "Tus-Extension", "Tus-Max-Size", "Tus-Checksum-Algorithm",
            "Retry-After", "X-Request-ID", "Content-Range", "Content-Disposition", "ETag"));
    cors.setAllowCredentials(false);
    cors.setPreflightMaxAge(Duration.ofDays(1));
    cors.setHandler(next);
    return cors;
  }

  /**
   * Times every request (outermost filter) and binds Jetty's thread pool and connection meters.
   * Call before {@link #start()}.
   */
  public void instrument(Metrics metrics) {
    FilterHolder timing = new FilterHolder(new MetricsFilter(metrics));
    timing.setName("metrics");
    timing.setAsyncSupported(true);
    context.getServletHandler().prependFilter(timing);
    FilterMapping mapping = new FilterMapping();
    mapping.setFilterName("metrics");
    mapping.setPathSpec("/*");
    mapping.setDispatcherTypes(EnumSet.of(DispatcherType.REQUEST));
    context.getServletHandler().prependFilterMapping(mapping);
    new JettyServerThreadPoolMetrics(server.getThreadPool(), List.of()).bindTo(metrics.registry());
    JettyConnectionMetrics.addToAllConnectors(server, metrics.registry());
  }

  public void start() throws Exception {
    server.start();
  }

  public int port() {
    return connector.getLocalPort();
  }

  /**
   * Graceful stop: no new connections or requests; requests in flight get the stop timeout to
   * finish, then their connections are closed. Returns once every request handler has returned
   * (a PATCH cut off keeps and records what it received), so nothing it still needs is stopped
   * under it.
   */
  public void stop() throws Exception {
    try {
      server.stop();
    } finally {
      if (!inFlight.awaitIdle(DRAIN)) {
        log.warn("HttpStopIncomplete requests_running={} after {} s", inFlight.count(),
            DRAIN.toSeconds());
      }
    }
  }

  /** Requests inside a servlet right now (an asynchronous event stream leaves at once). */
  private static final class InFlight extends HttpFilter {
    private static final long serialVersionUID = 1L;
    private int count;

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
        throws IOException, ServletException {
      synchronized (this) {
        count++;
      }
      try {
        chain.doFilter(req, resp);
      } finally {
        synchronized (this) {
          count--;
          notifyAll();
        }
      }
    }

    synchronized int count() {
      return count;
    }

    synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (count > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  public void join() throws InterruptedException {
    server.join();
  }
}
