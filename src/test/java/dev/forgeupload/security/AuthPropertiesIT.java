package dev.forgeupload.security;

import static dev.forgeupload.security.Http.location;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.forgeupload.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * With authentication on: no made-up, forged or tampered credential gets in anywhere (always 401,
 * never a 5xx), and a valid user's requests, whatever their path, method and parameters, never
 * reach or reveal another user's upload.
 */
class AuthPropertiesIT {
  private static final String SECRET = "property-secret-property-secret-0123456789";
  private static final List<String> PROTECTED =
      List.of("/files/", "/api/v1/uploads", "/api/v1/me", "/api/v1/audit", "/api/v1/api-keys",
          "/api/v1/stats", "/metrics", "/api/v1/events");
  private static TestServer server;
  private static Http http;
  private static String aliceUrl;
  private static String aliceId;
  private static String bob;

  @BeforeContainer
  static void start() {
    server = TestServer.start(Map.of("FORGE_AUTH", "token", "FORGE_AUTH_JWT_SECRET", SECRET));
    http = new Http(server.baseUrl());
    String alice = Tokens.hs256(SECRET, "alice");
    bob = Tokens.hs256(SECRET, "bob");
    aliceUrl = location(http.create(alice, 10, null));
    assertThat(http.patch(alice, aliceUrl, 0, new byte[5]).statusCode()).isEqualTo(204);
    aliceId = aliceUrl.substring(aliceUrl.lastIndexOf('/') + 1);
  }

  @AfterContainer
  static void stop() {
    server.close();
  }

  @Property(tries = 150, edgeCases = EdgeCasesMode.NONE)
  void no_made_up_credential_gets_in(
      @ForAll("credentials") String credential, @ForAll("protectedPaths") String path,
      @ForAll("methods") String method) {
    HttpRequest.Builder b =
        http.req(path.startsWith("/files/") && !method.equals("POST") ? aliceUrl : path, null)
            .header("Authorization", "Bearer " + credential)
            .header("Upload-Length", "5")
            .header("Upload-Offset", "5")
            .header("Content-Type", Http.OCTET)
            .timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.noBody());
    HttpResponse<byte[]> r = http.send(b.build());
    assertThat(r.statusCode()).as("%s %s with %s", method, path, credential).isEqualTo(401);
  }

  @Property(tries = 150, edgeCases = EdgeCasesMode.NONE)
  void another_users_upload_stays_out_of_reach(
      @ForAll("doors") String door, @ForAll("methods") String method,
      @ForAll("suffixes") String suffix) {
    String path = (door + suffix).replace("{id}", aliceId);
    HttpRequest.Builder b =
        http.req(path, bob)
            .header("Upload-Offset", "5")
            .header("Content-Type", Http.OCTET)
            .timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(new byte[3]));
    HttpResponse<byte[]> r = http.send(b.build());
    String body = new String(r.body(), StandardCharsets.UTF_8);
    assertThat(r.statusCode()).as("%s %s", method, path).isLessThan(500);
    assertThat(body).as("%s %s", method, path).doesNotContain(aliceId + "\"");
    if (path.split("\\?")[0].contains(aliceId)) {
      assertThat(r.statusCode() / 100).as("%s %s -> %s", method, path, body).isNotEqualTo(2);
    }
    // alice's upload is untouched
    HttpResponse<byte[]> head = http.head(Tokens.hs256(SECRET, "alice"), aliceUrl);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Upload-Offset")).hasValue("5");
  }

  @Provide
  Arbitrary<String> credentials() {
    Arbitrary<String> junk = Arbitraries.strings().withChars("abcXYZ019-_.~+/=").ofMinLength(1)
        .ofMaxLength(300);
    Arbitrary<String> apiKeyLike =
        Arbitraries.strings().withChars("ABCDEFabcdef0123456789-_").ofLength(43).map(s -> "fu_" + s);
    Arbitrary<String> algs = Arbitraries.of("none", "None", "HS256", "HS512", "RS256", "ES256", "");
    Arbitrary<String> subs = Arbitraries.of("alice", "bob", "root", "", "admin");
    Arbitrary<String> forgedJwt =
        Combinators.combine(algs, subs, Arbitraries.of("", "admin", "read admin"),
                Arbitraries.strings().withChars("abcdef0123456789_-").ofMaxLength(86))
            .as((alg, sub, scope, sig) -> {
              String header = b64url("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}");
              String payload =
                  b64url("{\"sub\":\"" + sub + "\",\"exp\":" + (System.currentTimeMillis() / 1000
                      + 600) + ",\"scope\":\"" + scope + "\"}");
              return header + "." + payload + "." + sig;
            });
    Arbitrary<String> wrongKey =
        Combinators.combine(subs, Arbitraries.strings().alpha().ofLength(40))
            .as((sub, key) -> Tokens.hs256(key, Tokens.claims(sub, Duration.ofMinutes(5))
                .claim("scope", "admin").build()));
    Arbitrary<String> expired =
        Arbitraries.integers().between(120, 100_000)
            .map(s -> Tokens.hs256(SECRET, Tokens.claims("alice", Duration.ofSeconds(-s)).build()));
    Arbitrary<String> unsigned =
        subs.map(sub -> Tokens.unsigned(new JWTClaimsSet.Builder().subject(sub)
            .expirationTime(new java.util.Date(System.currentTimeMillis() + 600_000)).build()));
    return Arbitraries.oneOf(junk, apiKeyLike, forgedJwt, wrongKey, expired, unsigned);
  }

  private static String b64url(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Provide
  Arbitrary<String> protectedPaths() {
    return Arbitraries.of(PROTECTED);
  }

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.of("GET", "HEAD", "POST", "PATCH", "DELETE");
  }

  @Provide
  Arbitrary<String> doors() {
    return Arbitraries.of(
        "/files/{id}", "/api/v1/uploads/{id}", "/api/v1/uploads/{id}/content",
        "/api/v1/uploads/{id}/timeline", "/api/v1/uploads/{id}/retry", "/api/v1/uploads",
        "/api/v1/audit", "/api/v1/stats", "/metrics", "/files;x/{id}", "/api;x/v1/uploads/{id}",
        "/%61pi/v1/uploads/{id}", "/api/v1/uploads/{id}/../{id}", "/", "/admin/", "/healthz",
        "/readyz", "/api/v1/openapi.json", "/metrics/");
  }

  @Provide
  Arbitrary<String> suffixes() {
    return Arbitraries.of(
        "", "?inline=1", "?access_token=x", "?q=" + "%25", "?state=uploading", "?limit=500",
        "?upload_id={id}", "/", "%2F", ";jsessionid=1", "?q=a");
  }
}
