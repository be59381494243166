package dev.forgeupload.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import dev.forgeupload.testing.Props;
import dev.forgeupload.testing.RawHttp;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Random shapes of the attacker's findings, from seeded generators ({@link Props}: the seed is
 * printed; {@code -Dforge.seed=N} replays one run): Upload-Concat headers with repeated and many
 * parts, percent-encoding in every query parameter, JWT time claims of every JSON type.
 */
class HardeningPropertiesIT {
  private static final String SECRET = "hardening-properties-secret-0123456789ab";
  private static final long QUOTA = 64 * 1024;
  private static final int MAX_PARTS = 8;
  private static final int PARTS = 6;
  private static TestServer server;
  private static TusHttp http;

  @BeforeAll
  static void start() {
    server =
        TestServer.start(
            Map.of(
                "FORGE_AUTH", "token",
                "FORGE_AUTH_JWT_SECRET", SECRET,
                "FORGE_QUOTA_BYTES", Long.toString(QUOTA),
                "FORGE_MAX_CONCAT_PARTS", Integer.toString(MAX_PARTS),
                "FORGE_WORKER_CONCURRENCY", "0"));
    http = new TusHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  // ---- Upload-Concat

  /** The parts of one final, by index into the owner's partial uploads; -1 is a stranger's. */
  record Concat(List<Integer> picks, String separator) {}

  @TestFactory
  Stream<DynamicTest> concatenation_never_multiplies_bytes_past_the_quota() {
    Props.Gen setup = Props.gen("concat setup", 0);
    TusHttp owner = http.as(Tokens.hs256(SECRET, "concat-" + Props.SEED));
    List<String> parts = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    for (int i = 0; i < PARTS; i++) {
      int size = 1024 + setup.below(4096);
      String url = owner.createPartial(size);
      assertThat(owner.patch(url, 0, new byte[size]).statusCode()).isEqualTo(204);
      parts.add(url);
      sizes.add((long) size);
    }
    String foreign = http.as(Tokens.hs256(SECRET, "stranger-" + Props.SEED)).createPartial(10);
    List<Integer> all = IntStream.range(0, PARTS).boxed().toList();
    List<Concat> edges =
        List.of(
            new Concat(List.of(0), " "), // one part
            new Concat(List.of(-1), " "), // only a stranger's part
            new Concat(List.of(1, 1), " "), // one part twice
            new Concat(List.of(2, 3, 2), "  \t "),
            new Concat(all, "  \t "), // every part once
            new Concat(List.of(0, 1, 2, 3, 4, 5, 0, 1), " "), // MAX_PARTS, repeats
            new Concat(List.of(0, 1, 2, 3, 4, 5, 0, 1, 2), " "), // MAX_PARTS + 1
            new Concat(Collections.nCopies(MAX_PARTS + 4, 4), " "), // the most, all one part
            new Concat(List.of(5, -1), " "));
    long[] accepted = {0};
    return Props.forAll(
        "concat",
        60,
        edges,
        g -> {
          int n = 1 + g.below(MAX_PARTS + 4);
          List<Integer> picks = new ArrayList<>();
          for (int k = 0; k < n; k++) {
            picks.add(g.below(20) == 0 ? -1 : g.below(PARTS));
          }
          return new Concat(picks, g.bool() ? " " : "  \t ");
        },
        c -> {
          List<String> urls = c.picks().stream().map(p -> p < 0 ? foreign : parts.get(p)).toList();
          HttpResponse<byte[]> r = owner.tryConcat("final;" + String.join(c.separator(), urls), null);
          boolean repeated = new HashSet<>(urls).size() < urls.size();
          boolean foreignPart = c.picks().contains(-1);
          long length = c.picks().stream().filter(p -> p >= 0).mapToLong(sizes::get).sum();
          assertThat(r.statusCode()).as("%s", urls).isLessThan(500);
          if (repeated || urls.size() > MAX_PARTS || foreignPart) {
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

  /** A query value: these bytes percent-encoded, then a broken escape (or none). */
  record Query(String route, byte[] raw, String brokenSuffix, boolean withToken) {
    String target() {
      StringBuilder q = new StringBuilder(route);
      for (byte b : raw) {
        q.append('%').append(String.format("%02X", b & 0xff));
      }
      return q.append(brokenSuffix).toString();
    }

    @Override
    public String toString() {
      return target() + (withToken ? " (admin token)" : " (no token)");
    }
  }

  @TestFactory
  Stream<DynamicTest> any_query_parameter_is_a_400_exactly_when_its_encoding_is_broken() {
    String admin =
        Tokens.hs256(SECRET, Tokens.claims("root", Duration.ofMinutes(30)).claim("scope", "admin").build());
    List<Query> edges = new ArrayList<>();
    for (String route : QUERY_ROUTES) {
      edges.add(new Query(route, new byte[0], "%", route.length() % 2 == 0));
    }
    for (String hex : List.of("00", "FF", "C0AE", "E282", "EDA080", "F4908080", "F09F9880",
        "E282AC", "7F", "20", "25")) {
      edges.add(new Query(QUERY_ROUTES.get(0), java.util.HexFormat.of().parseHex(hex), "", true));
    }
    edges.add(new Query("/healthz?x=", new byte[] {'a'}, "%g1", false));
    return Props.forAll(
        "query",
        150,
        edges,
        g -> {
          String route = g.pick(QUERY_ROUTES);
          byte[] raw = new byte[1 + g.below(6)];
          for (int k = 0; k < raw.length; k++) {
            raw[k] = (byte) (g.bool() ? 0x20 + g.below(0x5f) : g.below(256));
          }
          String broken = g.below(8) == 0 ? (g.bool() ? "%" : "%g1") : "";
          return new Query(route, raw, broken, g.bool());
        },
        q -> {
          boolean broken = !q.brokenSuffix().isEmpty() || !wellFormedUtf8(q.raw());
          if (q.route().startsWith("/api/v1/events") && !broken) {
            return; // a valid (wrong) token: a 401 that is not this property's business
          }
          RawHttp.Response resp =
              TokenAndQueryHardeningIT.rawGet(server.baseUrl(), q.target(), q.withToken() ? admin : null);
          assertThat(resp.status()).as("%s", resp).isBetween(100, 499);
          if (broken) {
            assertThat(resp.status()).as("%s", resp).isEqualTo(400);
            assertThat(resp.text()).contains("percent-encoded UTF-8");
          } else {
            assertThat(resp.text()).doesNotContain("percent-encoded UTF-8");
          }
        });
  }

  /** The oracle: Java's own decoder round-trips well-formed UTF-8 and only that. */
  private static boolean wellFormedUtf8(byte[] b) {
    return Arrays.equals(new String(b, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8), b);
  }

  // ---- JWT time claims

  /**
   * The JSON type of each time claim: 0 null, 1 a string, 2 a boolean, 3 an array, 4 an object, 5
   * a past number, 6 a future fractional number, 7 and 8 a future number, 9 absent (nbf and iat
   * only; exp is absent when {@code omitExp}).
   */
  record Claims(boolean omitExp, int exp, int nbf, int iat, boolean bool) {}

  @TestFactory
  Stream<DynamicTest> a_token_is_accepted_exactly_when_its_time_claims_are_valid_numbers() {
    List<Claims> edges = new ArrayList<>();
    edges.add(new Claims(false, 7, 9, 9, true)); // only a good exp
    edges.add(new Claims(true, 0, 9, 9, true)); // no exp at all
    edges.add(new Claims(true, 0, 5, 7, true)); // no exp, good nbf and iat
    edges.add(new Claims(false, 6, 5, 6, false)); // fractional exp and iat, past nbf
    for (int kind = 0; kind <= 8; kind++) {
      edges.add(new Claims(false, kind, 9, 9, kind % 2 == 0)); // every type of exp
      edges.add(new Claims(false, 7, kind, 9, kind % 2 == 0)); // ... of nbf
      edges.add(new Claims(false, 7, 9, kind, kind % 2 == 0)); // ... of iat
    }
    return Props.forAll(
        "jwt",
        80,
        edges,
        g -> new Claims(g.below(9) == 0, g.below(9), g.below(10), g.below(10), g.bool()),
        c -> {
          long now = Instant.now().getEpochSecond();
          StringBuilder json = new StringBuilder("{\"sub\":\"jwt-user\"");
          boolean valid = !c.omitExp();
          for (String claim : List.of("exp", "nbf", "iat")) {
            if (claim.equals("exp") && c.omitExp()) {
              continue;
            }
            int kind = switch (claim) {
              case "exp" -> c.exp();
              case "nbf" -> c.nbf();
              default -> c.iat();
            };
            String value =
                switch (kind) {
                  case 0 -> "null";
                  case 1 -> "\"" + (now + 3600) + "\"";
                  case 2 -> Boolean.toString(c.bool());
                  case 3 -> "[" + (now + 3600) + "]";
                  case 4 -> "{\"t\":" + now + "}";
                  case 5 -> Long.toString(now - 3600); // past
                  case 6 -> (now + 3600) + ".25"; // future, fractional
                  case 7, 8 -> Long.toString(now + 3600); // future
                  default -> null; // absent (nbf, iat only)
                };
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
          int status = http.as(sign(json.toString())).get("/api/v1/me").statusCode();
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
