package dev.forgeupload.security;

import static dev.forgeupload.security.Http.location;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import dev.forgeupload.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Random shapes of the attacker's findings, from a seeded {@link Random} (the seed is printed;
 * {@code -Dforge.seed=N} replays one run): Upload-Concat headers with repeated and many parts,
 * percent-encoding in every query parameter, JWT time claims of every JSON type. Plain JUnit
 * dynamic tests rather than jqwik, whose maintainers ask not to be used by AI coding agents.
 */
class HardeningPropertiesIT {
  private static final String SECRET = "hardening-properties-secret-0123456789ab";
  private static final long QUOTA = 64 * 1024;
  private static final int MAX_PARTS = 8;
  private static final long SEED = Long.getLong("forge.seed", System.nanoTime());
  private static TestServer server;
  private static Http http;

  @BeforeAll
  static void start() {
    System.out.println("HardeningPropertiesIT seed=" + SEED + " (replay: -Dforge.seed=" + SEED + ")");
    server =
        TestServer.start(
            Map.of(
                "FORGE_AUTH", "token",
                "FORGE_AUTH_JWT_SECRET", SECRET,
                "FORGE_QUOTA_BYTES", Long.toString(QUOTA),
                "FORGE_MAX_CONCAT_PARTS", Integer.toString(MAX_PARTS),
                "FORGE_WORKER_CONCURRENCY", "0"));
    http = new Http(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Stream<DynamicTest> tries(String name, int count, java.util.function.IntConsumer body) {
    return java.util.stream.IntStream.range(0, count)
        .mapToObj(i -> DynamicTest.dynamicTest(name + " #" + i, () -> body.accept(i)));
  }

  // ---- Upload-Concat

  @TestFactory
  Stream<DynamicTest> concatenation_never_multiplies_bytes_past_the_quota() {
    Random rnd = new Random(SEED);
    String owner = Tokens.hs256(SECRET, "concat-" + SEED);
    String stranger = Tokens.hs256(SECRET, "stranger-" + SEED);
    List<String> parts = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      int size = 1024 + rnd.nextInt(4096);
      String url =
          location(
              http.send(
                  http.req("/files/", owner)
                      .header("Upload-Length", Integer.toString(size))
                      .header("Upload-Concat", "partial")
                      .POST(HttpRequest.BodyPublishers.noBody())
                      .build()));
      assertThat(http.patch(owner, url, 0, new byte[size]).statusCode()).isEqualTo(204);
      parts.add(url);
      sizes.add((long) size);
    }
    String foreign =
        location(
            http.send(
                http.req("/files/", stranger)
                    .header("Upload-Length", "10")
                    .header("Upload-Concat", "partial")
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build()));
    long[] accepted = {0};
    return tries("concat", 60, i -> {
      int n = 1 + rnd.nextInt(MAX_PARTS + 4);
      List<Integer> picks = new ArrayList<>();
      List<String> urls = new ArrayList<>();
      boolean foreignPart = false;
      for (int k = 0; k < n; k++) {
        if (rnd.nextInt(20) == 0) {
          urls.add(foreign);
          foreignPart = true;
        } else {
          int p = rnd.nextInt(parts.size());
          picks.add(p);
          urls.add(parts.get(p));
        }
      }
      String sep = rnd.nextBoolean() ? " " : "  \t ";
      HttpResponse<byte[]> r =
          http.send(
              http.req("/files/", owner)
                  .header("Upload-Concat", "final;" + String.join(sep, urls))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build());
      boolean repeated = new HashSet<>(urls).size() < urls.size();
      long length = picks.stream().mapToLong(sizes::get).sum();
      assertThat(r.statusCode()).as("%s", urls).isLessThan(500);
      if (repeated || n > MAX_PARTS || foreignPart) {
        assertThat(r.statusCode()).as("%s", urls).isEqualTo(400);
      } else if (r.statusCode() == 201) {
        accepted[0] += length;
      } else {
        assertThat(r.statusCode()).as("%s", urls).isEqualTo(413);
      }
      // every accepted final will be stored as its own object: together within the quota
      assertThat(accepted[0]).isLessThanOrEqualTo(QUOTA);
    });
  }

  // ---- percent-encoding

  private static final List<String> QUERY_ROUTES =
      List.of(
          "/api/v1/uploads?q=", "/api/v1/uploads?cursor=", "/api/v1/uploads?state=",
          "/api/v1/uploads?limit=", "/api/v1/uploads?sort=", "/api/v1/audit?actor=",
          "/api/v1/audit?action=", "/api/v1/audit?before=", "/api/v1/stats?days=",
          "/api/v1/events?access_token=", "/api/v1/me?x=", "/files/?a=", "/healthz?x=",
          "/metrics?x=", "/admin/?q=", "/?q=");

  @TestFactory
  Stream<DynamicTest> any_query_parameter_is_a_400_exactly_when_its_encoding_is_broken() {
    Random rnd = new Random(SEED + 1);
    String admin =
        Tokens.hs256(SECRET, Tokens.claims("root", Duration.ofMinutes(30)).claim("scope", "admin").build());
    return tries("query", 150, i -> {
      String route = QUERY_ROUTES.get(rnd.nextInt(QUERY_ROUTES.size()));
      byte[] raw = new byte[1 + rnd.nextInt(6)];
      for (int k = 0; k < raw.length; k++) {
        raw[k] = (byte) (rnd.nextBoolean() ? 0x20 + rnd.nextInt(0x5f) : rnd.nextInt(256));
      }
      StringBuilder q = new StringBuilder();
      for (byte b : raw) {
        q.append('%').append(String.format("%02X", b & 0xff));
      }
      boolean broken = !wellFormedUtf8(raw);
      if (rnd.nextInt(8) == 0) {
        q.append(rnd.nextBoolean() ? "%" : "%g1"); // a broken escape
        broken = true;
      }
      String target = route + q;
      if (route.startsWith("/api/v1/events") && !broken) {
        return; // a valid (wrong) token: a 401 that is not this property's business
      }
      String[] resp = rawGet(target, rnd.nextBoolean() ? admin : null);
      int status = Integer.parseInt(resp[0]);
      assertThat(status).as(target).isLessThan(500);
      if (broken) {
        assertThat(status).as(target).isEqualTo(400);
        assertThat(resp[1]).as(target).contains("percent-encoded UTF-8");
      } else {
        assertThat(resp[1]).as(target).doesNotContain("percent-encoded UTF-8");
      }
    });
  }

  /** The oracle: Java's own decoder round-trips well-formed UTF-8 and only that. */
  private static boolean wellFormedUtf8(byte[] b) {
    return Arrays.equals(new String(b, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8), b);
  }

  private static String[] rawGet(String target, String token) {
    URI base = URI.create(server.baseUrl());
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setSoTimeout(10_000);
      String head =
          "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nTus-Resumable: 1.0.0\r\n"
              + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
              + "Connection: close\r\n\r\n";
      s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      s.getInputStream().transferTo(out);
      String all = out.toString(StandardCharsets.UTF_8);
      int end = all.indexOf("\r\n\r\n");
      return new String[] {all.substring(9, 12), end < 0 ? "" : all.substring(end + 4)};
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(target, e);
    }
  }

  // ---- JWT time claims

  @TestFactory
  Stream<DynamicTest> a_token_is_accepted_exactly_when_its_time_claims_are_valid_numbers() {
    Random rnd = new Random(SEED + 2);
    return tries("jwt", 80, i -> {
      long now = Instant.now().getEpochSecond();
      StringBuilder json = new StringBuilder("{\"sub\":\"jwt-user\"");
      boolean omitExp = rnd.nextInt(9) == 0;
      boolean valid = !omitExp;
      for (String claim : List.of("exp", "nbf", "iat")) {
        if (claim.equals("exp") && omitExp) {
          continue;
        }
        int kind = rnd.nextInt(claim.equals("exp") ? 9 : 10);
        String value;
        switch (kind) {
          case 0 -> value = "null";
          case 1 -> value = "\"" + (now + 3600) + "\"";
          case 2 -> value = rnd.nextBoolean() ? "true" : "false";
          case 3 -> value = "[" + (now + 3600) + "]";
          case 4 -> value = "{\"t\":" + now + "}";
          case 5 -> value = Long.toString(now - 3600); // past
          case 6 -> value = (now + 3600) + ".25"; // future, fractional
          case 7, 8 -> value = Long.toString(now + 3600); // future
          default -> value = null; // absent (nbf, iat only)
        }
        if (value == null) {
          continue;
        }
        json.append(",\"").append(claim).append("\":").append(value);
        boolean number = kind >= 5;
        boolean ok = switch (claim) {
          case "exp" -> number && kind != 5; // a past exp is expired
          case "nbf" -> number && kind == 5; // a future nbf is not yet valid
          default -> number;
        };
        valid &= ok;
      }
      json.append('}');
      String token = sign(json.toString());
      int status = http.get(token, "/api/v1/me").statusCode();
      assertThat(status).as(json.toString()).isEqualTo(valid ? 200 : 401);
    });
  }

  private static String sign(String payload) {
    try {
      JWSObject jws = new JWSObject(new JWSHeader(JWSAlgorithm.HS256), new Payload(payload));
      jws.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
      return jws.serialize();
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
