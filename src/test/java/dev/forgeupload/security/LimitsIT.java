package dev.forgeupload.security;

import static dev.forgeupload.testing.TestData.meta;
import static dev.forgeupload.testing.TusHttp.json;
import static dev.forgeupload.testing.TusHttp.location;
import static dev.forgeupload.testing.TusHttp.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.forgeupload.testing.Samples;
import dev.forgeupload.testing.TestRedis;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * RS256 tokens from a JWKS file; the per-owner quota (a deferred length included), the limit of
 * unfinished uploads, and request rates per owner and per address shared by two nodes.
 */
class LimitsIT {

  @Test
  void jwks_tokens_verify_and_quota_and_unfinished_upload_limits_answer_with_a_reason()
      throws Exception {
    RSAKey key = new RSAKeyGenerator(2048).keyID("k1").algorithm(JWSAlgorithm.RS256).generate();
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("k1").generate();
    Path jwks = Files.createTempFile("jwks", ".json");
    Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString(), StandardCharsets.UTF_8);
    try (TestServer server =
        TestServer.start(
            Map.of(
                "FORGE_AUTH", "token",
                "FORGE_AUTH_JWKS", jwks.toString(),
                "FORGE_QUOTA_BYTES", "10000",
                "FORGE_MAX_ACTIVE_UPLOADS", "2"))) {
      TusHttp http = new TusHttp(server.baseUrl());
      String dave = Tokens.rs256(key, Tokens.claims("dave", Duration.ofMinutes(5)).build());
      String forged = Tokens.rs256(stranger, Tokens.claims("dave", Duration.ofMinutes(5)).build());
      // HMAC "signed" with the public key: the algorithm confusion attack
      String confused =
          Tokens.hs256(key.toPublicJWK().toJSONString(),
              Tokens.claims("dave", Duration.ofMinutes(5)).build());
      assertThat(http.as(forged).tryCreate(10, null).statusCode()).isEqualTo(401);
      assertThat(http.as(confused).tryCreate(10, null).statusCode()).isEqualTo(401);

      // quota: 6000 fits, 5000 more does not
      String first = location(http.as(dave).tryCreate(6000, null));
      assertThat(http.as(dave).patch(first, 0, new byte[6000]).statusCode()).isEqualTo(204);
      HttpResponse<byte[]> over = http.as(dave).tryCreate(5000, null);
      assertThat(over.statusCode()).isEqualTo(413);
      assertThat(text(over)).contains("quota");
      // a deferred length cannot sneak past it: 4000 bytes are left
      String deferred = location(http.as(dave).tryCreateDeferred(null));
      HttpResponse<byte[]> big = http.as(dave).patch(deferred, 0, new byte[5000]);
      assertThat(big.statusCode()).isEqualTo(413);
      assertThat(http.as(dave).head(deferred).headers().firstValue("Upload-Offset")).hasValue("0");
      HttpResponse<byte[]> declare =
          http.as(dave).patch(deferred, 0, new byte[0], Map.of("Upload-Length", "4500"));
      assertThat(declare.statusCode()).isEqualTo(413);
      assertThat(http.as(dave).patch(deferred, 0, new byte[3000]).statusCode()).isEqualTo(204);
      // the owner's usage shows through the 413's reason, and another owner is not affected
      String erin = Tokens.rs256(key, Tokens.claims("erin", Duration.ofMinutes(5)).build());
      String e1 = location(http.as(erin).tryCreate(100, null));
      location(http.as(erin).tryCreate(100, null));
      HttpResponse<byte[]> third = http.as(erin).tryCreate(100, null);
      assertThat(third.statusCode()).isEqualTo(429);
      assertThat(text(third)).contains("unfinished");
      assertThat(http.as(erin).patch(e1, 0, new byte[100]).statusCode()).isEqualTo(204);
      assertThat(http.as(erin).tryCreate(100, null).statusCode()).isEqualTo(201);

      // an upload the content check rejected holds no bytes, so it takes no quota
      String hank = Tokens.rs256(key, Tokens.claims("hank", Duration.ofMinutes(5)).build());
      byte[] exe = Samples.windowsExe(8000);
      String fake =
          location(http.as(hank).tryCreate(exe.length, meta("a.jpg", "image/jpeg")));
      assertThat(http.as(hank).patch(fake, 0, exe).statusCode()).isEqualTo(415);
      assertThat(http.as(hank).tryCreate(9000, null).statusCode()).isEqualTo(201);
    }
  }

  @Test
  void request_rates_per_owner_and_per_address_are_shared_by_every_node() {
    String secret = "rate-limit-secret-rate-limit-secret-0123";
    // two nodes of one deployment: one database (and so one Redis namespace), one Redis
    try (TestRedis redis = TestRedis.start();
        TestServer a = TestServer.start(rateEnv(secret, redis));
        TestServer b = TestServer.start(withDatabase(rateEnv(secret, redis), a))) {
      TusHttp ha = new TusHttp(a.baseUrl());
      TusHttp hb = new TusHttp(b.baseUrl());
      String frank = Tokens.hs256(secret, "frank");
      String gina = Tokens.hs256(secret, "gina");
      // owner budget 60/min: a burst of 15, spent across both nodes
      int ok = 0;
      HttpResponse<byte[]> limited = null;
      for (int i = 0; i < 40 && limited == null; i++) {
        HttpResponse<byte[]> r = (i % 2 == 0 ? ha : hb).as(frank).get("/api/v1/me");
        if (r.statusCode() == 429) {
          limited = r;
        } else {
          assertThat(r.statusCode()).isEqualTo(200);
          ok++;
        }
      }
      assertThat(limited).as("frank was rate limited").isNotNull();
      assertThat(ok).isBetween(14, 20);
      assertThat(json(limited).get("code").asText()).isEqualTo("rate_limited");
      assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow()))
          .isBetween(1L, 60L);
      assertThat(ha.send(ha.as(frank).tus("/files/").header("Upload-Length", "1")
          .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build()).statusCode())
          .isEqualTo(429);
      // gina has her own budget, also after Redis lost the limiter's script (a restart) ...
      try (RedisClient c = RedisClient.builder().fromURI(URI.create(redis.url())).build()) {
        c.scriptFlush();
      }
      assertThat(hb.as(gina).get("/api/v1/me").statusCode()).isEqualTo(200);
      assertThat(ha.as(frank).get("/api/v1/me").statusCode()).isEqualTo(429);
      // ... but the address budget (120/min: burst 30) is shared by everyone from here
      int codes429 = 0;
      for (int i = 0; i < 40; i++) {
        if ((i % 2 == 0 ? ha : hb).get("/api/v1/uploads").statusCode() == 429) {
          codes429++;
        }
      }
      assertThat(codes429).isGreaterThan(0);
      assertThat(ha.as(gina).get("/api/v1/me").statusCode()).isEqualTo(429);
      assertThat(ha.get("/healthz").statusCode()).isEqualTo(200);
    }
  }

  private static Map<String, String> withDatabase(Map<String, String> env, TestServer of) {
    Map<String, String> e = new java.util.HashMap<>(env);
    e.put("FORGE_DATABASE_URL", of.databaseUrl());
    return e;
  }

  private static Map<String, String> rateEnv(String secret, TestRedis redis) {
    return Map.of(
        "FORGE_AUTH", "token",
        "FORGE_AUTH_JWT_SECRET", secret,
        "FORGE_REDIS_URL", redis.url(),
        "FORGE_RATE_OWNER_PER_MINUTE", "60",
        "FORGE_RATE_ADDRESS_PER_MINUTE", "120",
        "FORGE_WORKER_CONCURRENCY", "0");
  }
}
