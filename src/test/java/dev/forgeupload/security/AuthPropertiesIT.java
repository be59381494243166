package dev.forgeupload.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.forgeupload.testing.Props;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * With authentication on: no made-up, forged or tampered credential gets in anywhere (always 401,
 * never a 5xx), and a valid user's requests, whatever their path, method and parameters, never
 * reach or reveal another user's upload. Seeded generators ({@link Props}); every request has a
 * 10 s timeout: a hang fails the property.
 */
class AuthPropertiesIT {
  private static final String SECRET = "property-secret-property-secret-0123456789";
  private static final List<String> PROTECTED =
      List.of("/files/", "/api/v1/uploads", "/api/v1/me", "/api/v1/audit", "/api/v1/api-keys",
          "/api/v1/stats", "/metrics", "/api/v1/events");
  private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PATCH", "DELETE");
  private static final List<String> ALGS =
      List.of("none", "None", "HS256", "HS512", "RS256", "ES256", "");
  private static final List<String> SUBS = List.of("alice", "bob", "root", "", "admin");
  private static final List<String> SCOPES = List.of("", "admin", "read admin");
  private static final List<String> DOORS =
      List.of(
          "/files/{id}", "/api/v1/uploads/{id}", "/api/v1/uploads/{id}/content",
          "/api/v1/uploads/{id}/timeline", "/api/v1/uploads/{id}/retry", "/api/v1/uploads",
          "/api/v1/audit", "/api/v1/stats", "/metrics", "/files;x/{id}", "/api;x/v1/uploads/{id}",
          "/%61pi/v1/uploads/{id}", "/api/v1/uploads/{id}/../{id}", "/", "/admin/", "/healthz",
          "/readyz", "/api/v1/openapi.json", "/metrics/");
  private static final List<String> SUFFIXES =
      List.of(
          "", "?inline=1", "?access_token=x", "?q=" + "%25", "?state=uploading", "?limit=500",
          "?upload_id={id}", "/", "%2F", ";jsessionid=1", "?q=a");
  private static TestServer server;
  private static TusHttp http;
  private static String aliceUrl;
  private static String aliceId;
  private static String bob;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("FORGE_AUTH", "token", "FORGE_AUTH_JWT_SECRET", SECRET));
    http = new TusHttp(server.baseUrl()).withTimeout(Duration.ofSeconds(10));
    TusHttp alice = http.as(Tokens.hs256(SECRET, "alice"));
    bob = Tokens.hs256(SECRET, "bob");
    aliceUrl = alice.create(10);
    assertThat(alice.patch(aliceUrl, 0, new byte[5]).statusCode()).isEqualTo(204);
    aliceId = TusHttp.id(aliceUrl);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  // ---- made-up credentials

  /** A credential of one kind (for the failure message), where it is sent and how. */
  record Attempt(String kind, String credential, String path, String method) {}

  @TestFactory
  Stream<DynamicTest> no_made_up_credential_gets_in() {
    List<String[]> edgeCredentials =
        List.of(
            new String[] {"junk", "a"},
            new String[] {"junk", "=".repeat(300)},
            new String[] {"junk", "abcXYZ019-_.~+/=".repeat(19).substring(0, 300)},
            new String[] {"api key", "fu_" + "A".repeat(43)},
            new String[] {"api key", "fu_" + "-".repeat(43)},
            new String[] {"forged", forged("none", "admin", "admin", "")},
            new String[] {"forged", forged("", "", "", "")},
            new String[] {"forged", forged("HS256", "root", "read admin", "f".repeat(86))},
            new String[] {"wrong key", Tokens.hs256("A".repeat(40), Tokens.claims("root",
                Duration.ofMinutes(5)).claim("scope", "admin").build())},
            new String[] {"expired", expired(120)},
            new String[] {"expired", expired(100_000)},
            new String[] {"unsigned", unsigned("admin")},
            new String[] {"unsigned", unsigned("")});
    List<Attempt> edges = new ArrayList<>();
    int k = 0;
    for (String path : PROTECTED) {
      for (String method : METHODS) {
        String[] c = edgeCredentials.get(k++ % edgeCredentials.size());
        edges.add(new Attempt(c[0], c[1], path, method));
      }
    }
    return Props.forAll(
        "no made-up credential gets in",
        150,
        edges,
        g -> {
          int kind = g.below(6);
          String credential =
              switch (kind) {
                case 0 -> g.string("abcXYZ019-_.~+/=", 1, 300);
                case 1 -> "fu_" + g.string("ABCDEFabcdef0123456789-_", 43, 43);
                case 2 -> forged(g.pick(ALGS), g.pick(SUBS), g.pick(SCOPES),
                    g.string("abcdef0123456789_-", 0, 86));
                case 3 -> Tokens.hs256(g.alpha(40, 40), Tokens.claims(g.pick(SUBS),
                    Duration.ofMinutes(5)).claim("scope", "admin").build());
                case 4 -> expired(g.ints(120, 100_000));
                default -> unsigned(g.pick(SUBS));
              };
          String name =
              List.of("junk", "api key", "forged", "wrong key", "expired", "unsigned").get(kind);
          return new Attempt(name, credential, g.pick(PROTECTED), g.pick(METHODS));
        },
        a -> {
          String target =
              a.path().startsWith("/files/") && !a.method().equals("POST") ? aliceUrl : a.path();
          HttpResponse<byte[]> r =
              http.send(
                  http.tus(target)
                      .header("Authorization", "Bearer " + a.credential())
                      .header("Upload-Length", "5")
                      .header("Upload-Offset", "5")
                      .header("Content-Type", TusHttp.OCTET)
                      .method(a.method(), HttpRequest.BodyPublishers.noBody()));
          assertThat(r.statusCode())
              .as("%s %s with %s", a.method(), a.path(), a.credential())
              .isEqualTo(401);
        });
  }

  /** A JWT with any header algorithm, a valid-looking payload and a made-up signature. */
  private static String forged(String alg, String sub, String scope, String signature) {
    String header = b64url("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}");
    String payload =
        b64url("{\"sub\":\"" + sub + "\",\"exp\":" + (System.currentTimeMillis() / 1000 + 600)
            + ",\"scope\":\"" + scope + "\"}");
    return header + "." + payload + "." + signature;
  }

  private static String expired(int secondsAgo) {
    return Tokens.hs256(SECRET, Tokens.claims("alice", Duration.ofSeconds(-secondsAgo)).build());
  }

  private static String unsigned(String sub) {
    return Tokens.unsigned(new JWTClaimsSet.Builder().subject(sub)
        .expirationTime(new java.util.Date(System.currentTimeMillis() + 600_000)).build());
  }

  private static String b64url(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  // ---- another user's upload

  record Door(String door, String method, String suffix) {}

  @TestFactory
  Stream<DynamicTest> another_users_upload_stays_out_of_reach() {
    List<Door> edges = new ArrayList<>();
    int k = 0;
    for (String door : DOORS) {
      for (String method : METHODS) {
        edges.add(new Door(door, method, SUFFIXES.get(k++ % SUFFIXES.size())));
      }
    }
    TusHttp asBob = http.as(bob);
    TusHttp asAlice = http.as(Tokens.hs256(SECRET, "alice"));
    return Props.forAll(
        "another user's upload stays out of reach",
        150,
        edges,
        g -> new Door(g.pick(DOORS), g.pick(METHODS), g.pick(SUFFIXES)),
        d -> {
          String path = (d.door() + d.suffix()).replace("{id}", aliceId);
          HttpResponse<byte[]> r =
              asBob.send(
                  asBob.tus(path)
                      .header("Upload-Offset", "5")
                      .header("Content-Type", TusHttp.OCTET)
                      .method(d.method(), HttpRequest.BodyPublishers.ofByteArray(new byte[3])));
          String body = TusHttp.text(r);
          assertThat(r.statusCode()).as("%s %s", d.method(), path).isLessThan(500);
          assertThat(body).as("%s %s", d.method(), path).doesNotContain(aliceId + "\"");
          if (path.split("\\?")[0].contains(aliceId)) {
            assertThat(r.statusCode() / 100).as("%s %s -> %s", d.method(), path, body)
                .isNotEqualTo(2);
          }
          // alice's upload is untouched
          HttpResponse<byte[]> head = asAlice.head(aliceUrl);
          assertThat(head.statusCode()).isEqualTo(200);
          assertThat(head.headers().firstValue("Upload-Offset")).hasValue("5");
        });
  }
}
