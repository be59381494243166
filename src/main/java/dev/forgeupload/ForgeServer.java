package dev.forgeupload;

import dev.forgeupload.config.Config;
import dev.forgeupload.http.HealthServer;
import dev.forgeupload.config.HttpConfig;
import dev.forgeupload.core.UploadHooks;
import dev.forgeupload.http.HttpServer;
import dev.forgeupload.http.Listener;
import dev.forgeupload.queue.RedisNames;
import dev.forgeupload.worker.Reconciler;
import dev.forgeupload.worker.StoreWorker;
import java.io.IOException;
import java.net.BindException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running system, built by hand in order: in server mode the HTTP port (bound first, so a
 * taken port fails at once), the services (embedded or configured, {@link Services}), the
 * backends and core on them ({@link Backends}), the hooks ({@link HooksLayer}), the storage
 * workers, and in server mode the HTTP layer ({@link HttpLayer}). It stops in the reverse order,
 * also when start-up fails half-way: HTTP stops accepting and lets in-flight requests finish (and
 * enqueue what they completed), then the workers stop, then the services they used.
 */
public final class ForgeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ForgeServer.class);

  private final Started started = new Started();
  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private HttpServer http;
  private HealthServer health;
  private volatile Backends backends;
  private RedisNames redisNames;

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
    if (!http && config.worker().healthPort().isPresent()) {
      startWorkerHealth(config.http().host(), config.worker().healthPort().getAsInt());
    }
    // the port first: taken, it stops start-up before any service or worker starts
    Listener listener = http ? started.add(listen(config.http())) : null;
    Services.Endpoints at =
        http ? Services.own(config.services(), started) : Services.join(config.services());
    Backends backends = Backends.connect(config, at, started);
    this.backends = backends;
    redisNames = backends.redisNames();
    if (http) {
      Services.announce(config.services(), at);
    }
    UploadHooks hooks = HooksLayer.start(config, backends, http, started);
    startWorkers(config, backends, http);
    Readiness readiness =
        new Readiness(
            List.of(
                Readiness.check("postgresql", at.databaseUrl(), backends.db()::isReachable),
                Readiness.check("redis", at.redisUrl(), backends.queue()::isReachable),
                Readiness.check("s3", at.s3Endpoint(), backends.objects()::isReachable)),
            ready::get);
    if (http) {
      this.http = HttpLayer.start(config, listener, backends, hooks, readiness::ready, started);
    }
    ready.set(true);
    started.add(readiness); // stops first: what stops after it is no news
    if (http) {
      readiness.announce(
          "Ready", "url=http://" + config.http().host() + ":" + this.http.port() + "/files/");
    } else {
      readiness.announce("WorkerReady", "");
    }
  }

  private static Listener listen(HttpConfig c) {
    try {
      return Listener.bind(c.host(), c.port());
    } catch (IOException | RuntimeException e) {
      throw StartFailed.bind(c.host(), c.port(), e);
    }
  }

  /**
   * Worker mode's /healthz and /readyz (FORGE_WORKER_HEALTH_PORT), bound first so that a busy
   * port stops start-up at once; ready once the workers run and while PostgreSQL, Redis and S3
   * answer.
   */
  private void startWorkerHealth(String host, int port) throws Exception {
    try {
      health = started.add(HealthServer.start(host, port, this::workerReady));
    } catch (IOException e) {
      if (e instanceof BindException || e.getCause() instanceof BindException) {
        throw new Config.ConfigException(
            "FORGE_WORKER_HEALTH_PORT: " + host + ":" + port + " is in use (or not this host's)");
      }
      throw e;
    }
    log.info("WorkerHealth url=http://{}:{}/readyz", host, health.port());
  }

  private boolean workerReady() {
    Backends b = backends;
    return ready.get() && b != null && b.db().isReachable() && b.queue().isReachable()
        && b.objects().isReachable();
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
                b.storedObjects(),
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
            new Reconciler(b.claims(), b.queue(), b.staging(), config.worker().claimIdle())
                .repairingObjects(b.storedObjects()::repair));
    reconciler.start(config.worker().reconcileInterval());
  }

  public int port() {
    return http.port();
  }

  /** Worker mode's health port (FORGE_WORKER_HEALTH_PORT), or -1 when it serves none. */
  public int healthPort() {
    return health == null ? -1 : health.port();
  }

  /** The names of this deployment's Redis keys, stream, group and channel (its namespace). */
  public RedisNames redisNames() {
    return redisNames;
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
