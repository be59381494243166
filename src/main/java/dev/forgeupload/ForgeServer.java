package dev.forgeupload;

import dev.forgeupload.config.Config;
import dev.forgeupload.core.UploadHooks;
import dev.forgeupload.http.HttpServer;
import dev.forgeupload.worker.Reconciler;
import dev.forgeupload.worker.StoreWorker;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running system, built by hand in order: the services (embedded or configured, {@link
 * Services}), the backends and core on them ({@link Backends}), the hooks ({@link HooksLayer}),
 * the storage workers, and in server mode the HTTP layer ({@link HttpLayer}). It stops in the reverse order, also when
 * start-up fails half-way.
 */
public final class ForgeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ForgeServer.class);

  private final Started started = new Started();
  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private HttpServer http;

  private ForgeServer() {}

  public static ForgeServer start(Config config) throws Exception {
    return start(config, true);
  }

  /** Starts the HTTP server and workers ({@code http}), or workers alone. */
  public static ForgeServer start(Config config, boolean http) throws Exception {
    ForgeServer server = new ForgeServer();
    try {
      server.startAll(config, http);
      return server;
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
  }

  private void startAll(Config config, boolean http) throws Exception {
    log.info("Starting mode={} config={}", http ? "server" : "worker", config.describe());
    Services.Endpoints at =
        http ? Services.own(config.services(), started) : Services.join(config.services());
    Backends backends = Backends.connect(config, at, started);
    if (http) {
      Services.announce(config.services(), at);
    }
    UploadHooks hooks = HooksLayer.start(config, backends, http, started);
    startWorkers(config, backends, http);
    if (!http) {
      ready.set(true);
      log.info("WorkerReady");
      return;
    }
    this.http = HttpLayer.start(config, backends, hooks, ready::get, started);
    ready.set(true);
    log.info("Ready url=http://{}:{}/files/", config.http().host(), this.http.port());
  }

  /** The storage workers (at least one in worker mode) and the reconciler. */
  private void startWorkers(Config config, Backends b, boolean http) {
    int concurrency = config.worker().concurrency();
    StoreWorker worker =
        started.add(
            new StoreWorker(
                b.claims(),
                b.uploads(),
                b.queue(),
                b.objects(),
                b.events(),
                new StoreWorker.Settings(
                    http ? concurrency : Math.max(1, concurrency),
                    config.worker().maxAttempts(),
                    config.worker().backoff(),
                    config.worker().claimIdle()),
                b.metrics()));
    worker.start();
    Reconciler reconciler =
        started.add(
            new Reconciler(b.claims(), b.queue(), b.staging(), config.worker().claimIdle()));
    reconciler.start(config.worker().reconcileInterval());
  }

  public int port() {
    return http.port();
  }

  /** Graceful stop: no new requests, in-flight ones finish or keep what they received. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ready.set(false);
    log.info("Stopping");
    started.close();
    log.info("Stopped");
  }
}
