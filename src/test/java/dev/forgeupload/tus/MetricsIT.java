package dev.forgeupload.tus;

import static dev.forgeupload.testing.TusHttp.text;
import static dev.forgeupload.testing.TestData.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /metrics in Prometheus text format: the counters move by what the requests did. */
class MetricsIT {
  private static final long MAX = 1000;
  private static TestServer server;
  private static TusHttp tus;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("FORGE_MAX_UPLOAD_BYTES", Long.toString(MAX)));
    tus = new TusHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void counters_move_by_what_the_requests_did() {
    Samples before = scrape();

    byte[] data = randomBytes(300, 7);
    tus.upload(data, null);
    HttpResponse<byte[]> tooLarge =
        tus.send(
            tus.tus(tus.filesUrl())
                .header("Upload-Length", Long.toString(MAX + 1))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(tooLarge.statusCode()).as(text(tooLarge)).isEqualTo(413);
    HttpResponse<byte[]> bad =
        tus.send(
            tus.tus(tus.filesUrl())
                .header("Upload-Length", "abc")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(bad.statusCode()).as(text(bad)).isEqualTo(400);
    HttpResponse<byte[]> missing =
        tus.get(server.baseUrl() + "/api/v1/uploads/" + UUID.randomUUID());
    assertThat(missing.statusCode()).isEqualTo(404);

    Samples after =
        Poll.until("the upload stored", Duration.ofSeconds(30), Duration.ofMillis(100),
            MetricsIT::scrape,
            s -> s.sum("forge_uploads_stored_total") - before.sum("forge_uploads_stored_total")
                >= 1);

    assertThat(delta(before, after, "forge_rejections_total", "status", "413", "reason",
        "too_large")).isEqualTo(1);
    assertThat(delta(before, after, "forge_rejections_total", "status", "400", "reason",
        "bad_request")).isEqualTo(1);
    assertThat(delta(before, after, "forge_rejections_total", "status", "404", "reason",
        "not_found")).isEqualTo(1);
    assertThat(delta(before, after, "forge_rejections_total")).isEqualTo(3);
    assertThat(delta(before, after, "forge_uploads_accepted_total")).isEqualTo(1);
    assertThat(delta(before, after, "forge_uploads_completed_total")).isEqualTo(1);
    assertThat(delta(before, after, "forge_uploads_stored_total")).isEqualTo(1);
    assertThat(delta(before, after, "forge_uploads_failed_total")).isZero();
    assertThat(delta(before, after, "forge_upload_received_bytes_total")).isEqualTo(300);
    assertThat(delta(before, after, "forge_upload_stored_bytes_total")).isEqualTo(300);
    assertThat(delta(before, after, "forge_http_requests_seconds_count",
        "handler", "tus", "method", "POST", "status", "2xx")).isEqualTo(1);
    assertThat(delta(before, after, "forge_http_requests_seconds_count",
        "handler", "tus", "method", "POST", "status", "4xx")).isEqualTo(2);
    assertThat(delta(before, after, "forge_http_requests_seconds_count",
        "handler", "tus", "method", "PATCH", "status", "2xx")).isEqualTo(1);
    assertThat(delta(before, after, "forge_http_requests_seconds_count",
        "handler", "api", "method", "GET", "status", "4xx")).isEqualTo(1);
    // JVM and Jetty meters are there too
    assertThat(after.sum("jvm_memory_used_bytes")).isPositive();
    assertThat(after.sum("jvm_threads_live_threads")).isPositive();
    assertThat(after.has("jvm_gc_pause_seconds_count") || after.has("jvm_gc_memory_allocated_bytes_total"))
        .isTrue();
    assertThat(after.sum("jetty_threads_current")).isPositive();
    assertThat(after.has("jetty_connections_current_connections")).isTrue();
  }

  @Test
  void metrics_are_prometheus_text() {
    HttpResponse<byte[]> r = tus.get(server.baseUrl() + "/metrics");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("text/plain; version=0.0.4");
    assertThat(text(r)).contains("# TYPE forge_uploads_accepted_total counter");
  }

  @Test
  void a_client_chosen_method_or_code_never_becomes_a_tag() {
    HttpResponse<byte[]> r =
        tus.send(
            tus.tus(tus.filesUrl())
                .method("BREW", HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(r.statusCode()).isGreaterThanOrEqualTo(400).isLessThan(500);

    String text = text(tus.get(server.baseUrl() + "/metrics"));
    assertThat(text).doesNotContain("BREW");
  }

  private static long delta(Samples before, Samples after, String name, String... labels) {
    return Math.round(after.sum(name, labels) - before.sum(name, labels));
  }

  private static Samples scrape() {
    HttpResponse<byte[]> r = tus.get(server.baseUrl() + "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    return Samples.parse(text(r));
  }

  /** The samples of a text exposition: name, labels, value. */
  record Samples(Map<String, Map<Map<String, String>, Double>> byName) {
    static Samples parse(String text) {
      Map<String, Map<Map<String, String>, Double>> m = new TreeMap<>();
      for (String line : text.split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int brace = line.indexOf('{');
        int space = line.lastIndexOf(' ');
        String name = brace >= 0 && brace < space ? line.substring(0, brace) : line.substring(0, space);
        Map<String, String> labels = new TreeMap<>();
        if (brace >= 0 && brace < space) {
          String inner = line.substring(brace + 1, line.lastIndexOf('}'));
          for (String pair : inner.split(",")) {
            if (pair.isBlank()) {
              continue;
            }
            int eq = pair.indexOf('=');
            labels.put(pair.substring(0, eq), pair.substring(eq + 2, pair.length() - 1));
          }
        }
        m.computeIfAbsent(name, k -> new java.util.HashMap<>())
            .put(labels, Double.parseDouble(line.substring(space + 1)));
      }
      return new Samples(m);
    }

    boolean has(String name) {
      return byName.containsKey(name);
    }

    /** Sum over the samples of {@code name} whose labels include the given pairs. */
    double sum(String name, String... labels) {
      double total = 0;
      for (var e : byName.getOrDefault(name, Map.of()).entrySet()) {
        boolean match = true;
        for (int i = 0; i < labels.length; i += 2) {
          match &= labels[i + 1].equals(e.getKey().get(labels[i]));
        }
        if (match) {
          total += e.getValue();
        }
      }
      return total;
    }
  }
}
