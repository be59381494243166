package dev.forgeupload.http;

import dev.forgeupload.core.UploadMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One server's meters (one registry per {@code ForgeServer}, never the global one: several
 * servers share a test JVM). Tag values come from fixed sets only, never from client input.
 */
public final class Metrics implements UploadMetrics, ErrorWriter.Rejections, AutoCloseable {
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS", "PUT");
  private static final Pattern CODE = Pattern.compile("[a-z][a-z0-9_]{0,40}");

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Counter created;
  private final Counter bytesReceived;
  private final Counter completed;
  private final Counter stored;
  private final Counter storedBytes;
  private final Counter storeRetried;
  private final Counter failed;
  private final Counter terminated;

  public Metrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    created = counter("forge.uploads.accepted", "Uploads created (POST answered 201)");
    completed = counter("forge.uploads.completed", "Uploads whose last byte arrived");
    stored = counter("forge.uploads.stored", "Uploads put into the object store");
    failed = counter("forge.uploads.failed", "Uploads that failed to store for good");
    terminated = counter("forge.uploads.terminated", "Uploads terminated by a client or admin");
    storeRetried =
        counter("forge.store.attempts.failed", "Store attempts that failed and will be retried");
    bytesReceived =
        Counter.builder("forge.upload.received")
            .baseUnit("bytes")
            .description("Upload body bytes written to staging")
            .register(registry);
    storedBytes =
        Counter.builder("forge.upload.stored")
            .baseUnit("bytes")
            .description("Bytes put into the object store")
            .register(registry);
  }

  private Counter counter(String name, String description) {
    return Counter.builder(name).description(description).register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** A 4xx answered with a reason code ({@code forge_rejections_total{status,reason}}). */
  @Override
  public void rejected(int status, String code) {
    if (status < 400 || status >= 500) {
      return;
    }
    Counter.builder("forge.rejections")
        .description("Requests answered with a 4xx, by status and reason code")
        .tag("status", Integer.toString(status))
        .tag("reason", code != null && CODE.matcher(code).matches() ? code : "other")
        .register(registry)
        .increment();
  }

  /** One answered request: handler (tus, api, ...), method and status class. */
  public void request(String handler, String method, int status, long nanos) {
    Timer.builder("forge.http.requests")
        .description("HTTP requests by handler, method and status class")
        .tag("handler", handler)
        .tag("method", method != null && METHODS.contains(method) ? method : "other")
        .tag("status", statusClass(status))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  static String statusClass(int status) {
    return status >= 100 && status < 600 ? (status / 100) + "xx" : "other";
  }

  /** The Prometheus text exposition (format 0.0.4). */
  public String scrape() {
    return registry.scrape();
  }

  public static String contentType() {
    return "text/plain; version=0.0.4; charset=utf-8";
  }

  // ---- UploadMetrics

  @Override
  public void created() {
    created.increment();
  }

  @Override
  public void bytesReceived(long bytes) {
    bytesReceived.increment(bytes);
  }

  @Override
  public void completed() {
    completed.increment();
  }

  @Override
  public void stored(long bytes) {
    // bytes first: whoever sees the count move (a scrape, a test waiting on it) sees its bytes
    storedBytes.increment(bytes);
    stored.increment();
  }

  @Override
  public void storeFailed(boolean gaveUp) {
    (gaveUp ? failed : storeRetried).increment();
  }

  @Override
  public void terminated() {
    terminated.increment();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
