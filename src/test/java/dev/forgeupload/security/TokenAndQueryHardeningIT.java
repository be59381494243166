package dev.forgeupload.security;

import static dev.forgeupload.testing.TusHttp.json;
import static dev.forgeupload.testing.TusHttp.location;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import dev.forgeupload.testing.RawHttp;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An attacker's low findings in token mode: JWT time claims that are not numbers, query strings
 * that are not valid percent-encoding, and the reason given for an unknown API key.
 */
class TokenAndQueryHardeningIT {
  private static final String SECRET = "token-query-hardening-secret-0123456789";
  private static TestServer server;
  private static TusHttp http;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("FORGE_AUTH", "token", "FORGE_AUTH_JWT_SECRET", SECRET));
    http = new TusHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** An HS256 token over exactly this JSON payload (what a hand-made token could carry). */
  private static String signed(String payloadJson) throws Exception {
    JWSObject jws = new JWSObject(new JWSHeader(JWSAlgorithm.HS256), new Payload(payloadJson));
    jws.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jws.serialize();
  }

  @Test
  void time_claims_must_be_numbers() throws Exception {
    long now = Instant.now().getEpochSecond();
    String good = signed("{\"sub\":\"mo\",\"exp\":" + (now + 300) + "}");
    assertThat(http.as(good).get("/api/v1/me").statusCode()).isEqualTo(200);
    // a fractional NumericDate is a number too (RFC 7519 section 2)
    assertThat(http.as(signed("{\"sub\":\"mo\",\"exp\":" + (now + 300) + ".5}")).get("/api/v1/me")
        .statusCode()).isEqualTo(200);
    List<String> bad =
        List.of(
            "{\"sub\":\"mo\",\"exp\":null,\"scope\":\"admin\"}",
            "{\"sub\":\"mo\",\"scope\":\"admin\"}",
            "{\"sub\":\"mo\",\"exp\":\"" + (now + 300) + "\"}",
            "{\"sub\":\"mo\",\"exp\":true}",
            "{\"sub\":\"mo\",\"exp\":[" + (now + 300) + "]}",
            "{\"sub\":\"mo\",\"exp\":{}}",
            "{\"sub\":\"mo\",\"exp\":" + (now + 300) + ",\"nbf\":\"0\"}",
            "{\"sub\":\"mo\",\"exp\":" + (now + 300) + ",\"nbf\":null}",
            "{\"sub\":\"mo\",\"exp\":" + (now + 300) + ",\"iat\":\"yesterday\"}",
            "{\"sub\":\"mo\",\"exp\":" + (now + 300) + ",\"iat\":false}");
    for (String payload : bad) {
      HttpResponse<byte[]> r = http.as(signed(payload)).get("/api/v1/me");
      assertThat(r.statusCode()).as(payload).isEqualTo(401);
      assertThat(http.as(signed(payload)).get("/api/v1/stats").statusCode()).as(payload)
          .isEqualTo(401);
    }
  }

  @Test
  void bad_percent_encoding_in_any_query_parameter_is_a_400_with_a_reason() throws Exception {
    String admin = Tokens.hs256(SECRET, Tokens.claims("root", java.time.Duration.ofMinutes(5))
        .claim("scope", "admin").build());
    String url = location(http.as(admin).tryCreate(3, null));
    assertThat(http.as(admin).patch(url, 0, new byte[] {1, 2, 3}).statusCode()).isEqualTo(204);
    String id = url.substring(url.lastIndexOf('/') + 1);
    List<String> paths =
        List.of(
            "/api/v1/events?access_token=%ff",
            "/api/v1/uploads?q=%C0%AE",
            "/api/v1/uploads?cursor=%00%ff",
            "/api/v1/uploads?limit=%",
            "/api/v1/uploads?state=%e2%82",
            "/api/v1/uploads/" + id + "/content?inline=%ff",
            "/api/v1/uploads/" + id + "/content?access_token=%zz",
            "/api/v1/audit?actor=%ED%A0%80",
            "/api/v1/stats?days=%f0%28%8c%bc",
            "/api/v1/me?x=%",
            "/files/" + id + "?a=%ff",
            "/files/?%C0%AE",
            "/healthz?x=%ff",
            "/readyz?%",
            "/metrics?x=%ff",
            "/?q=%ff",
            "/admin/?q=%C0%AE");
    for (String path : paths) {
      for (String token : new String[] {admin, null}) {
        RawHttp.Response r = rawGet(path, token);
        assertThat(r.status()).as(path + (token == null ? " (no token)" : "") + ": %s", r)
            .isEqualTo(400);
        assertThat(r.text()).as(path).contains("percent-encoded UTF-8");
      }
    }
    // the API's 400 is its JSON error; valid encodings still work
    assertThat(json(http.as(admin).get("/api/v1/uploads?q=%C0%AE")).get("code").asText())
        .isEqualTo("bad_query");
    assertThat(http.as(admin).get("/api/v1/uploads?q=%E2%82%AC%20x").statusCode()).isEqualTo(200);
    assertThat(http.as(admin).get("/api/v1/uploads/" + id + "/content?inline=1").statusCode())
        .isEqualTo(200);
  }

  /** A GET sent as written (java.net.URI refuses malformed escapes). */
  static RawHttp.Response rawGet(String server, String target, String token) {
    RawHttp.Request r =
        new RawHttp(server).request("GET", target).host("localhost").header("Tus-Resumable", "1.0.0");
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return r.send();
  }

  private static RawHttp.Response rawGet(String target, String token) {
    return rawGet(server.baseUrl(), target, token);
  }

  @Test
  void revoking_an_unknown_api_key_says_so() {
    String admin = Tokens.hs256(SECRET, Tokens.claims("root", java.time.Duration.ofMinutes(5))
        .claim("scope", "admin").build());
    for (String id :
        List.of("00000000-0000-4000-8000-000000000000", "00000000-0000-0000-0000-000000000000")) {
      HttpResponse<byte[]> r = http.as(admin).delete("/api/v1/api-keys/" + id);
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(json(r).get("message").asText()).isEqualTo("API key not found");
    }
  }
}
