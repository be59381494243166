package dev.forgeupload.http;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import io.micrometer.core.instrument.binder.jetty.JettyConnectionMetrics;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.FilterMapping;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
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

/** Jetty wiring in one place: connector, timeouts, graceful stop, servlets by path. */
public final class HttpServer {
  private final Server server;
  private final ServerConnector connector;
  private final ServletContextHandler context;

  public HttpServer(
      String host,
      int port,
      boolean trustProxy,
      Duration readTimeout,
      Duration stopTimeout,
      Map<String, HttpServlet> servlets) {
    QueuedThreadPool pool = new QueuedThreadPool(400, 8);
    pool.setName("http");
    if (VirtualThreads.areSupported()) {
      pool.setVirtualThreadsExecutor(VirtualThreads.getDefaultVirtualThreadsExecutor());
    }
    server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(true);
    http.setRequestHeaderSize(64 * 1024);
    if (trustProxy) {
      http.addCustomizer(new ForwardedRequestCustomizer());
    }
    connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    connector.setIdleTimeout(readTimeout.toMillis());
    server.addConnector(connector);

    context = new ServletContextHandler("/");
    context.addFilter(RequestIdFilter.class, "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addFilter(SecurityHeadersFilter.class, "/*", EnumSet.of(DispatcherType.REQUEST));
    servlets.forEach((path, servlet) -> context.addServlet(new ServletHolder(servlet), path));
    // The web UI: static files built from webapp/ into the classpath under webapp/.
    Resource ui = ResourceFactory.of(context).newClassLoaderResource("webapp/");
    if (ui != null && ui.exists()) {
      context.setBaseResource(ui);
      context.setWelcomeFiles(new String[] {"index.html"});
      ServletHolder files = new ServletHolder("ui", DefaultServlet.class);
      files.setInitParameter("dirAllowed", "false");
      files.setInitParameter("etags", "true");
      files.setInitParameter("cacheControl", "no-cache");
      context.addServlet(files, "/");
    }
    ErrorHandler errors = new ErrorHandler();
    errors.setShowStacks(false);
    errors.setShowMessageInTitle(false);
    context.setErrorHandler(errors);
    server.setErrorHandler(errors);

    server.setHandler(new GracefulHandler(context));
    server.setStopTimeout(stopTimeout.toMillis());
    server.setStopAtShutdown(false);
  }

  /**
   * Times every request (outermost filter) and binds Jetty's thread pool and connection meters.
   * Call before {@link #start()}.
   */
  public void instrument(Metrics metrics) {
    FilterHolder timing = new FilterHolder(new MetricsFilter(metrics));
    timing.setName("metrics");
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

  public void stop() throws Exception {
    server.stop();
  }

  public void join() throws InterruptedException {
    server.join();
  }
}
