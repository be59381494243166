package dev.forgeupload.config;

import java.time.Duration;

/**
 * Where and how Jetty listens ({@code FORGE_HTTP_HOST}, {@code FORGE_HTTP_PORT}, {@code
 * FORGE_TRUST_PROXY}) and its clocks: the idle read timeout, the request-head deadline and the
 * graceful-stop wait.
 */
public record HttpConfig(
    String host,
    int port,
    boolean trustProxy,
    Duration readTimeout,
    Duration headerTimeout,
    Duration shutdownTimeout) {

  static HttpConfig read(EnvReader r) {
    return new HttpConfig(
        r.string("FORGE_HTTP_HOST", "127.0.0.1"),
        r.intValue("FORGE_HTTP_PORT", 8080, 0, 65535),
        r.bool("FORGE_TRUST_PROXY", false),
        r.seconds("FORGE_READ_TIMEOUT_SECONDS", 30, 1),
        r.seconds("FORGE_HEADER_TIMEOUT_SECONDS", 10, 0),
        r.seconds("FORGE_SHUTDOWN_TIMEOUT_SECONDS", 20, 1));
  }
}
