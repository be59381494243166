package dev.forgeupload.security;

import static dev.forgeupload.testing.TusHttp.json;
import static dev.forgeupload.testing.TusHttp.location;
import static dev.forgeupload.testing.TusHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * Event streams (Server-Sent Events) against the attacker's report: a thousand idle streams must
 * not take the request threads away from health checks, the API and tus; streams per owner and
 * per client address are capped (429 with a reason and Retry-After); a stream ends when its JWT
 * expires or its API key is revoked; events still arrive.
 */
class EventStreamLimitsIT {
  static final String SECRET = "event-stream-limits-secret-0123456789abcdef";
  private static final Duration ANSWER = Duration.ofSeconds(1);

  private static Map<String, String> env(String... extra) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("FORGE_AUTH", "token");
    m.put("FORGE_AUTH_JWT_SECRET", SECRET);
    for (int i = 0; i < extra.length; i += 2) {
      m.put(extra[i], extra[i + 1]);
    }
    return m;
  }

  /** The request's status and how long it took; -1 when it got no answer within 5 s. */
  private record Timed(int status, long millis) {}

  private static Timed timed(Supplier<HttpResponse<byte[]>> call) {
    long start = System.nanoTime();
    int status;
    try {
      status = call.get().statusCode();
    } catch (UncheckedIOException e) {
      status = -1;
    }
    return new Timed(status, (System.nanoTime() - start) / 1_000_000);
  }

  private static HttpRequest.Builder quick(TusHttp http, String path, String token) {
    return http.as(token).tus(path).timeout(Duration.ofSeconds(5));
  }

  private static Map<String, Timed> probes(TusHttp http, String token) {
    Map<String, Timed> t = new LinkedHashMap<>();
    t.put("GET /readyz", timed(() -> http.send(quick(http, "/readyz", null).GET().build())));
    t.put("GET /api/v1/me", timed(() -> http.send(quick(http, "/api/v1/me", token).GET().build())));
    t.put("OPTIONS /files/",
        timed(() -> http.send(quick(http, "/files/", null)
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build())));
    String[] url = new String[1];
    t.put("POST /files/",
        timed(() -> {
          HttpResponse<byte[]> r =
              http.send(quick(http, "/files/", token).header("Upload-Length", "11")
                  .POST(HttpRequest.BodyPublishers.noBody()).build());
          url[0] = r.headers().firstValue("Location").orElse(null);
          return r;
        }));
    if (url[0] != null) {
      t.put("PATCH /files/{id}",
          timed(() -> http.send(quick(http, url[0], token)
              .header("Upload-Offset", "0").header("Content-Type", TusHttp.OCTET)
              .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(
                  "hello world".getBytes(StandardCharsets.UTF_8))).build())));
    }
    return t;
  }

  /** Jetty's request thread pool as /metrics reports it: busy and current threads (-1: no answer). */
  private static long[] httpThreads(TusHttp http) {
    String text;
    try {
      text = text(http.send(quick(http, "/metrics", Tokens.admin(SECRET)).GET().build()));
    } catch (UncheckedIOException noAnswer) {
      return new long[] {-1, -1};
    }
    return new long[] {gauge(text, "jetty_threads_busy"), gauge(text, "jetty_threads_current")};
  }

  private static long gauge(String scrape, String name) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError(name + " not in /metrics");
  }

  @Test
  void a_thousand_idle_streams_leave_health_api_and_tus_answering_within_a_second()
      throws Exception {
    int users = 100;
    int perUser = 10;
    TestServer server =
        TestServer.start(
            env(
                "FORGE_MAX_EVENT_STREAMS_PER_ADDRESS", "0",
                "FORGE_MAX_CONNECTIONS_PER_ADDRESS", "0"));
    List<RawStream> streams = new ArrayList<>();
    boolean closed = false;
    try {
      TusHttp http = new TusHttp(server.baseUrl());
      String prober = Tokens.hs256(SECRET, "prober");
      probes(http, prober); // warm-up: class loading and JIT are not what is measured
      long[] threadsBefore = httpThreads(http);

      long openStart = System.nanoTime();
      for (int u = 0; u < users; u++) {
        String token = Tokens.hs256(SECRET, "flood-" + u);
        for (int k = 0; k < perUser; k++) {
          streams.add(RawStream.open(server.port(), token));
        }
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      int answered = 0;
      int unanswered = 0;
      int other = 0;
      for (RawStream s : streams) {
        Duration left = Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
        int status = s.status(left);
        if (status == 200) {
          answered++;
        } else if (status < 0) {
          unanswered++; // no answer in time (-1), or closed without one (-2)
        } else {
          other++;
        }
      }
      double openSeconds = (System.nanoTime() - openStart) / 1e9;
      long[] threadsWith = httpThreads(http);

      Map<String, Timed> during = probes(http, prober);
      System.out.printf(
          "EventStreamLimitsIT streams=%d answered=%d unanswered=%d other_status=%d "
              + "open_seconds=%.1f request_threads_before=%d busy/%d current "
              + "request_threads_with_streams=%d busy/%d current probes=%s%n",
          streams.size(), answered, unanswered, other, openSeconds, threadsBefore[0],
          threadsBefore[1], threadsWith[0], threadsWith[1], during);

      for (Map.Entry<String, Timed> e : during.entrySet()) {
        assertThat(e.getValue().status())
            .as("%s answered with %d streams open (%d answered 200)", e.getKey(),
                streams.size(), answered)
            .isBetween(200, 299);
        assertThat(e.getValue().millis())
            .as("%s answered within a second with %d streams open", e.getKey(), streams.size())
            .isLessThan(ANSWER.toMillis());
      }
      assertThat(during).containsKey("PATCH /files/{id}");
      assertThat(answered).as("streams answered 200").isEqualTo(users * perUser);
      assertThat(threadsWith[0])
          .as("busy request threads with %d idle streams open", streams.size())
          .isBetween(0L, 20L);

      // Shutdown ends every stream promptly.
      long stopStart = System.nanoTime();
      server.close();
      closed = true;
      double stopSeconds = (System.nanoTime() - stopStart) / 1e9;
      assertThat(stopSeconds).as("stop with %d streams open", streams.size()).isLessThan(10);
      for (RawStream s : streams.subList(0, 20)) {
        assertThat(s.awaitClose(Duration.ofSeconds(5))).as("stream ended at shutdown")
            .isGreaterThanOrEqualTo(0);
      }
    } finally {
      streams.forEach(RawStream::close);
      if (!closed) {
        server.close();
      }
    }
  }

  @Test
  void streams_per_owner_and_per_address_are_capped_with_a_reason_and_retry_after()
      throws Exception {
    try (TestServer server =
            TestServer.start(
                env(
                    "FORGE_MAX_EVENT_STREAMS_PER_OWNER", "3",
                    "FORGE_MAX_EVENT_STREAMS_PER_ADDRESS", "5"));
        Streams streams = new Streams()) {
      TusHttp http = new TusHttp(server.baseUrl());
      String ann = Tokens.hs256(SECRET, "ann");
      String ben = Tokens.hs256(SECRET, "ben");
      String cid = Tokens.hs256(SECRET, "cid");
      for (int i = 0; i < 3; i++) {
        assertThat(streams.open(server, ann).status(Duration.ofSeconds(5))).isEqualTo(200);
      }
      HttpResponse<byte[]> owner = http.send(quick(http, "/api/v1/events", ann).GET().build());
      assertThat(owner.statusCode()).as(text(owner)).isEqualTo(429);
      JsonNode body = json(owner);
      assertThat(body.get("code").asText()).isEqualTo("too_many_streams");
      assertThat(body.get("message").asText()).contains("user").contains("3");
      assertThat(Long.parseLong(owner.headers().firstValue("Retry-After").orElseThrow()))
          .isBetween(1L, 60L);
      assertThat(owner.headers().firstValue("Content-Type").orElse("")).contains("json");

      // another owner is not affected by ann's cap, up to the address's cap (5)
      assertThat(streams.open(server, ben).status(Duration.ofSeconds(5))).isEqualTo(200);
      assertThat(streams.open(server, ben).status(Duration.ofSeconds(5))).isEqualTo(200);
      HttpResponse<byte[]> address = http.send(quick(http, "/api/v1/events", cid).GET().build());
      assertThat(address.statusCode()).as(text(address)).isEqualTo(429);
      assertThat(json(address).get("code").asText()).isEqualTo("too_many_streams");
      assertThat(json(address).get("message").asText()).contains("address").contains("5");
      assertThat(address.headers().firstValue("Retry-After")).isPresent();
      // the refused stream's connection is closed: it does not count against the address
      assertThat(address.headers().firstValue("Connection")).hasValue("close");
      // the rest of the API is not capped
      assertThat(http.as(cid).get("/api/v1/me").statusCode()).isEqualTo(200);

      // a client that went away frees its slot within seconds
      streams.list.remove(0).close();
      long start = System.nanoTime();
      int status = -1;
      while (System.nanoTime() - start < Duration.ofSeconds(15).toNanos()) {
        RawStream again = streams.open(server, cid);
        status = again.status(Duration.ofSeconds(5));
        if (status == 200) {
          break;
        }
        again.close();
        streams.list.remove(again);
        Thread.sleep(500);
      }
      assertThat(status).as("a stream after one closed").isEqualTo(200);
      System.out.printf("EventStreamLimitsIT slot_freed_after_seconds=%.1f%n",
          (System.nanoTime() - start) / 1e9);
    }
  }

  @Test
  void a_stream_ends_when_its_jwt_expires_or_its_api_key_is_revoked_and_events_arrive()
      throws Exception {
    try (TestServer server = TestServer.start(env("FORGE_WORKER_CONCURRENCY", "1"));
        Streams streams = new Streams()) {
      TusHttp http = new TusHttp(server.baseUrl());
      String admin = Tokens.admin(SECRET);
      String dan = Tokens.hs256(SECRET, "dan");

      // events still arrive: dan's upload's state changes show up on dan's stream
      RawStream live = streams.open(server, dan);
      assertThat(live.status(Duration.ofSeconds(5))).isEqualTo(200);
      assertThat(live.headText()).containsIgnoringCase("text/event-stream");
      assertThat(live.awaitLine("retry:", Duration.ofSeconds(5))).isTrue();
      String url = location(http.as(dan).tryCreate(5, null));
      String id = url.substring(url.lastIndexOf('/') + 1);
      assertThat(http.as(dan).patch(url, 0, "hello".getBytes(StandardCharsets.UTF_8)).statusCode())
          .isEqualTo(204);
      assertThat(live.awaitLine(id, Duration.ofSeconds(10)))
          .as("an event of the upload on its owner's stream").isTrue();

      // a JWT that expires in 3 s: the server ends the stream
      String brief =
          Tokens.hs256(SECRET, Tokens.claims("eve", Duration.ofSeconds(3)).build());
      RawStream expiring = streams.open(server, brief);
      assertThat(expiring.status(Duration.ofSeconds(5))).isEqualTo(200);
      double expiredAfter = expiring.awaitClose(Duration.ofSeconds(15));
      assertThat(expiredAfter).as("the stream of an expired token was closed").isBetween(0.0, 8.0);
      // and the same token cannot open a new one
      assertThat(http.as(brief).get("/api/v1/events").statusCode()).isEqualTo(401);

      // an API key: the stream ends once the key is revoked
      HttpResponse<byte[]> created =
          http.as(admin).postJson("/api/v1/api-keys",
              "{\"owner\":\"fay\",\"scope\":\"upload\",\"name\":\"stream\"}");
      assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
      String key = json(created).get("key").asText();
      String keyId = json(created).get("id").asText();
      RawStream keyed = streams.open(server, key);
      assertThat(keyed.status(Duration.ofSeconds(5))).isEqualTo(200);
      assertThat(keyed.awaitClose(Duration.ofSeconds(2))).as("still streaming").isEqualTo(-1);
      assertThat(http.as(admin).delete("/api/v1/api-keys/" + keyId).statusCode()).isBetween(200, 204);
      double revokedAfter = keyed.awaitClose(Duration.ofSeconds(20));
      assertThat(revokedAfter).as("the stream of a revoked key was closed").isBetween(0.0, 10.0);
      System.out.printf("EventStreamLimitsIT jwt_stream_closed_after=%.1f s key_stream_closed_"
          + "after_revocation=%.1f s%n", expiredAfter, revokedAfter);

      // dan's stream was not affected by any of it
      assertThat(live.awaitClose(Duration.ofMillis(500))).isEqualTo(-1);
    }
  }

  @Test
  void a_client_that_does_not_read_loses_events_and_delays_no_one_else() throws Exception {
    try (TestServer server = TestServer.start(env("FORGE_WORKER_CONCURRENCY", "0"));
        Streams streams = new Streams();
        RedisClient redis =
            RedisClient.builder().fromURI(URI.create(server.redis().url())).build()) {
      TusHttp http = new TusHttp(server.baseUrl());
      String admin = Tokens.admin(SECRET); // admins see every event, no owner lookup involved
      RawStream stalled = streams.open(server, admin, 4096);
      assertThat(stalled.status(Duration.ofSeconds(5))).isEqualTo(200);
      RawStream reader = streams.open(server, admin);
      assertThat(reader.status(Duration.ofSeconds(5))).isEqualTo(200);
      assertThat(reader.awaitLine("retry:", Duration.ofSeconds(5))).isTrue();

      // 2000 events of 8 KiB (16 MiB): far more than the stalled client's socket buffers
      String pad = "x".repeat(8192);
      int burst = 2000;
      String channel = server.redisNames().events();
      for (int i = 0; i < burst; i++) {
        redis.publish(channel, "{\"type\":\"test\",\"n\":" + i + ",\"pad\":\"" + pad + "\"}");
      }
      // then a marker, repeated until the reader has it (its own queue may drop under the burst)
      long start = System.nanoTime();
      boolean seen = false;
      while (!seen && System.nanoTime() - start < Duration.ofSeconds(20).toNanos()) {
        redis.publish(channel, "{\"type\":\"test\",\"marker\":\"after-burst\"}");
        seen = reader.awaitLine("after-burst", Duration.ofMillis(500));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("EventStreamLimitsIT marker_after_burst_seconds=%.2f%n", seconds);
      assertThat(seen).as("the reading client got events after the burst").isTrue();
      Timed ready = timed(() -> http.send(quick(http, "/readyz", null).GET().build()));
      assertThat(ready.status()).isEqualTo(200);
      assertThat(ready.millis()).isLessThan(ANSWER.toMillis());
      // the stalled client, reading now, got part of the burst at most: the rest was dropped
      int received = 0;
      while (stalled.awaitLine("\"type\":\"test\"", Duration.ofMillis(500))) {
        received++;
      }
      System.out.printf("EventStreamLimitsIT stalled_client_received=%d of %d%n", received, burst);
      assertThat(received).isLessThan(burst);
    }
  }

  /** Streams opened by a test, closed with it. */
  private static final class Streams implements AutoCloseable {
    final List<RawStream> list = new ArrayList<>();

    RawStream open(TestServer server, String token) {
      return open(server, token, 0);
    }

    RawStream open(TestServer server, String token, int receiveBuffer) {
      RawStream s = RawStream.open(server.port(), token, receiveBuffer);
      list.add(s);
      return s;
    }

    @Override
    public void close() {
      list.forEach(RawStream::close);
    }
  }
}
