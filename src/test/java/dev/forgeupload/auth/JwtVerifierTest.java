package dev.forgeupload.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.forgeupload.config.Config;
import dev.forgeupload.config.SecurityConfig;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The JWT rules the README states: issuer and audience when set, scope forms, a JWKS URL. */
class JwtVerifierTest {
  private static final String SECRET = "unit-test-secret-unit-test-secret-0123";

  private static JwtVerifier.Settings config(Map<String, String> env) {
    SecurityConfig s = Config.fromEnv(env).security();
    return new JwtVerifier.Settings(s.jwtSecret(), s.jwks(), s.jwtIssuer(), s.jwtAudience());
  }

  private static JWTClaimsSet.Builder claims(String sub) {
    return new JWTClaimsSet.Builder()
        .subject(sub)
        .expirationTime(new Date(System.currentTimeMillis() + 60_000));
  }

  private static String hs256(JWTClaimsSet c) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), c);
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  @Test
  void issuer_and_audience_are_required_when_configured() throws Exception {
    JwtVerifier v =
        new JwtVerifier(
            config(Map.of("FORGE_AUTH", "token", "FORGE_AUTH_JWT_SECRET", SECRET,
                "FORGE_AUTH_JWT_ISSUER", "https://idp.example", "FORGE_AUTH_JWT_AUDIENCE",
                "forgeupload")));
    String good = hs256(claims("ann").issuer("https://idp.example").audience("forgeupload").build());
    assertThat(v.verify(good)).hasValueSatisfying(p -> assertThat(p.subject()).isEqualTo("ann"));
    assertThat(v.verify(hs256(claims("ann").audience("forgeupload").build()))).isEmpty();
    assertThat(v.verify(hs256(claims("ann").issuer("https://evil.example")
        .audience("forgeupload").build()))).isEmpty();
    assertThat(v.verify(hs256(claims("ann").issuer("https://idp.example")
        .audience("other").build()))).isEmpty();
  }

  @Test
  void admin_comes_from_a_space_separated_scope_or_a_scope_list_only() throws Exception {
    JwtVerifier v =
        new JwtVerifier(config(Map.of("FORGE_AUTH", "token", "FORGE_AUTH_JWT_SECRET", SECRET)));
    assertThat(v.verify(hs256(claims("a").claim("scope", "read admin").build())).orElseThrow()
        .admin()).isTrue();
    assertThat(v.verify(hs256(claims("a").claim("scope", List.of("admin")).build()))
        .orElseThrow().admin()).isTrue();
    assertThat(v.verify(hs256(claims("a").claim("scope", "administrator").build()))
        .orElseThrow().admin()).isFalse();
    assertThat(v.verify(hs256(claims("a").claim("admin", true).build())).orElseThrow().admin())
        .isFalse();
    assertThat(v.verify(hs256(claims("a\u0000b").build()))).isEmpty();
  }

  @Test
  void es256_keys_come_from_a_jwks_url() throws Exception {
    ECKey key = new ECKeyGenerator(Curve.P_256).keyID("e1").generate();
    byte[] body = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    AtomicInteger fetches = new AtomicInteger();
    HttpServer jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    jwks.createContext("/jwks.json", ex -> {
      fetches.incrementAndGet();
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    jwks.start();
    try {
      String url = "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks.json";
      JwtVerifier v = new JwtVerifier(config(Map.of("FORGE_AUTH", "token", "FORGE_AUTH_JWKS", url)));
      SignedJWT jwt =
          new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("e1").build(),
              claims("eve").build());
      jwt.sign(new ECDSASigner(key));
      assertThat(v.verify(jwt.serialize()))
          .hasValueSatisfying(p -> assertThat(p.subject()).isEqualTo("eve"));
      assertThat(v.verify(jwt.serialize())).isPresent();
      assertThat(fetches.get()).as("the key set is cached").isEqualTo(1);
      ECKey other = new ECKeyGenerator(Curve.P_256).keyID("e1").generate();
      SignedJWT forged =
          new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("e1").build(),
              claims("eve").build());
      forged.sign(new ECDSASigner(other));
      assertThat(v.verify(forged.serialize())).isEmpty();
    } finally {
      jwks.stop(0);
    }
  }
}
