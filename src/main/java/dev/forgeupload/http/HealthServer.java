package dev.forgeupload.http;

import java.util.function.BooleanSupplier;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * {@code /healthz} and {@code /readyz} alone, on a port of their own: what {@code worker} mode
 * (no HTTP server) offers an orchestrator ({@code FORGE_WORKER_HEALTH_PORT}). Nothing else is
 * served; no credentials are needed, as on the server's own health paths.
 */
public final class HealthServer implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;

  private HealthServer(String host, int port, BooleanSupplier ready) {
    QueuedThreadPool pool = new QueuedThreadPool(8, 2);
    pool.setName("health");
    server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    connector.setIdleTimeout(10_000);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    HealthServlet health = new HealthServlet(ready);
    context.addServlet(new ServletHolder(health), "/healthz");
    context.addServlet(new ServletHolder(health), "/readyz");
    ErrorHandler errors = new ErrorHandler();
    errors.setShowStacks(false);
    errors.setShowMessageInTitle(false);
    context.setErrorHandler(errors);
    server.setErrorHandler(errors);
    server.setHandler(context);
    server.setStopAtShutdown(false);
  }

  /** Listens on {@code host:port} (0: any free port); {@code ready} is what /readyz reports. */
  public static HealthServer start(String host, int port, BooleanSupplier ready) throws Exception {
    HealthServer s = new HealthServer(host, port, ready);
    try {
      s.server.start();
    } catch (Exception e) {
      s.close();
      throw e;
    }
    return s;
  }

  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
