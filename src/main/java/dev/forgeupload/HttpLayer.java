package dev.forgeupload;

import dev.forgeupload.auth.ApiKeys;
import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Authenticator;
import dev.forgeupload.auth.JwtVerifier;
import dev.forgeupload.config.Config;
import dev.forgeupload.config.LimitsConfig;
import dev.forgeupload.config.SecurityConfig;
import dev.forgeupload.core.UploadHooks;
import dev.forgeupload.db.JooqApiKeyStore;
import dev.forgeupload.db.JooqAuditStore;
import dev.forgeupload.db.JooqHookOutbox;
import dev.forgeupload.db.JooqUploadQueries;
import dev.forgeupload.db.StorageFigures;
import dev.forgeupload.http.ApiServlet;
import dev.forgeupload.http.AuthFilter;
import dev.forgeupload.http.ContentResponder;
import dev.forgeupload.http.ErrorWriter;
import dev.forgeupload.http.EventHub;
import dev.forgeupload.http.EventsServlet;
import dev.forgeupload.http.HealthServlet;
import dev.forgeupload.http.HttpServer;
import dev.forgeupload.http.Listener;
import dev.forgeupload.http.MetricsServlet;
import dev.forgeupload.http.ShareServlet;
import dev.forgeupload.shares.ShareLinks;
import dev.forgeupload.queue.RedisRateLimiter;
import dev.forgeupload.queue.RedisUploadEventFeed;
import dev.forgeupload.tus.TusHandler;
import dev.forgeupload.tus.TusServlet;
import io.micrometer.core.instrument.Gauge;
import jakarta.servlet.http.HttpServlet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Server mode's HTTP layer on the backends: authentication, tus, the API, events, health. */
final class HttpLayer {
  // the start-up lines keep the logger they always had
  private static final Logger log = LoggerFactory.getLogger(ForgeServer.class);

  private HttpLayer() {}

  /** Builds and starts Jetty on the bound {@code listener}; {@code ready} answers /readyz. */
  static HttpServer start(
      Config config, Listener listener, Backends b, UploadHooks hooks, BooleanSupplier ready,
      Started started)
      throws Exception {
    ApiKeys apiKeys = new ApiKeys(new JooqApiKeyStore(b.db().dsl()));
    AuditLog audit = new AuditLog(new JooqAuditStore(b.db().lazyDsl()));
    ErrorWriter errors = new ErrorWriter(b.metrics());
    AuthFilter auth = authFilter(config, apiKeys, b, errors);
    ContentResponder content = new ContentResponder(b.uploads(), audit);
    Map<String, HttpServlet> servlets = new LinkedHashMap<>();
    TusHandler tus = tusHandler(config, b, content, audit, errors, hooks);
    servlets.put("/files/*", new TusServlet(tus));
    servlets.put("/files", new TusServlet(tus));
    ShareLinks shares = SharesWiring.links(config, b, audit);
    servlets.put(
        "/api/v1/*",
        new ApiServlet(b.uploads(), new JooqUploadQueries(b.db().dsl()), b.locks(),
            content.counting(new StorageFigures(b.db().dsl())),
            apiKeys, audit, new JooqHookOutbox(b.db().dsl()), config.uploads().lockWait(),
            errors, SharesWiring.routes(shares, b, audit)));
    servlets.put(ShareServlet.PATH, new ShareServlet(shares, content, errors));
    servlets.putAll(SyncWiring.servlets(config, b, audit, errors, started));
    EventHub hub = eventHub(config, b, apiKeys);
    servlets.put("/api/v1/events", new EventsServlet(hub, errors));
    HealthServlet health = new HealthServlet(ready); // started, and the services answer
    servlets.put("/healthz", health);
    servlets.put("/readyz", health);
    servlets.put("/metrics", new MetricsServlet(b.metrics())); // its own path: admin-only
    HttpServer server = httpServer(config, listener, auth, servlets);
    server.instrument(b.metrics());
    started.add(server::stop);
    started.add(hub); // closed before the HTTP server stops, so open event streams end at once
    server.start();
    return server;
  }

  private static AuthFilter authFilter(
      Config config, ApiKeys apiKeys, Backends b, ErrorWriter errors) {
    SecurityConfig security = config.security();
    JwtVerifier jwt = security.jwtConfigured() ? jwtVerifier(security) : null;
    if (!security.tokenAuth()) {
      log.warn("AuthDisabled FORGE_AUTH=none: every client that reaches {} has full access "
          + "(allowed on loopback only; set FORGE_AUTH=token to require credentials)",
          config.http().host());
    } else if (jwt == null) {
      log.info("AuthApiKeysOnly no FORGE_AUTH_JWT_SECRET / FORGE_AUTH_JWKS: only API keys "
          + "are accepted (create one with: forgeupload apikey create --owner NAME --scope admin)");
    }
    LimitsConfig limits = config.limits();
    return new AuthFilter(
        security.tokenAuth() ? new Authenticator(apiKeys, jwt) : null,
        new RedisRateLimiter(b.redis(), b.redisNames()),
        limits.rateOwnerPerMinute(),
        limits.rateAddressPerMinute(),
        errors);
  }

  /** A JWKS that cannot be used stops start-up like a bad variable. */
  private static JwtVerifier jwtVerifier(SecurityConfig s) {
    try {
      return new JwtVerifier(
          new JwtVerifier.Settings(s.jwtSecret(), s.jwks(), s.jwtIssuer(), s.jwtAudience()));
    } catch (IllegalArgumentException e) {
      throw new Config.ConfigException(e.getMessage());
    }
  }

  private static TusHandler tusHandler(
      Config config, Backends b, ContentResponder content, AuditLog audit, ErrorWriter errors,
      UploadHooks hooks) {
    return new TusHandler(
        b.uploads(),
        b.locks(),
        content,
        audit,
        errors,
        hooks,
        new TusHandler.Settings(
            config.limits().maxMetadataBytes(),
            config.limits().maxConcatParts(),
            config.uploads().lockWait(),
            config.uploads().stallTimeout(),
            config.limits().minBodyBytesPerSecond(),
            config.staging().publicUrl()));
  }

  private static EventHub eventHub(Config config, Backends b, ApiKeys apiKeys) {
    EventHub hub =
        new EventHub(
            new RedisUploadEventFeed(b.redis(), b.redisNames()), b.repo(), apiKeys,
            EventHub.Settings.defaults(
                config.limits().maxEventStreamsPerOwner(),
                config.limits().maxEventStreamsPerAddress(),
                config.http().readTimeout()));
    Gauge.builder("forge.event.streams", hub, EventHub::openStreams)
        .description("Event streams (Server-Sent Events) open on this node")
        .register(b.metrics().registry());
    return hub;
  }

  private static HttpServer httpServer(
      Config config, Listener listener, AuthFilter auth, Map<String, HttpServlet> servlets) {
    return new HttpServer(
        listener,
        config.http().trustProxy(),
        config.http().readTimeout(),
        config.http().headerTimeout(),
        config.limits().effectiveConnectionsPerAddress(),
        config.http().shutdownTimeout(),
        config.security().corsOrigins(),
        auth,
        servlets);
  }
}
