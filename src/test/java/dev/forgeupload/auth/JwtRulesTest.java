package dev.forgeupload.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JWT rules: time claims as numbers, the subject's shape, keys from a JWKS file. */
class JwtRulesTest {
  private static final String SECRET = "jwt-rules-test-secret-0123456789abcdef";
  private static final JwtVerifier HS256 =
      new JwtVerifier(new JwtVerifier.Settings(SECRET, null, null, null));

  private static JWTClaimsSet.Builder claims(String sub) {
    return new JWTClaimsSet.Builder().subject(sub)
        .expirationTime(new Date(System.currentTimeMillis() + 60_000));
  }

  private static String sign(JWTClaimsSet c) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), c);
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  /** A token with this exact JSON payload, signed with the secret. */
  private static String signRaw(String payloadJson) throws Exception {
    String header = new JWSHeader(JWSAlgorithm.HS256).toBase64URL().toString();
    String payload = Base64URL.encode(payloadJson.getBytes(StandardCharsets.UTF_8)).toString();
    SignedJWT jwt = SignedJWT.parse(header + "." + payload + ".AAAA");
    SignedJWT fresh = new SignedJWT(jwt.getHeader().toBase64URL(), jwt.getPayload().toBase64URL(),
        new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8))
            .sign(jwt.getHeader(), (header + "." + payload).getBytes(StandardCharsets.US_ASCII)));
    return fresh.serialize();
  }

  @Test
  void a_valid_token_names_its_subject_and_expiry() throws Exception {
    Date exp = new Date((System.currentTimeMillis() / 1000 + 60) * 1000);
    Principal p = HS256.verify(sign(claims("ann").expirationTime(exp).build())).orElseThrow();
    assertThat(p.subject()).isEqualTo("ann");
    assertThat(p.via()).isEqualTo("jwt");
    assertThat(p.expiresAt()).isEqualTo(exp.toInstant());
    assertThat(p.admin()).isFalse();
    assertThat(p.keyId()).isNull();
  }

  @Test
  void time_claims_must_be_numbers() throws Exception {
    long exp = System.currentTimeMillis() / 1000 + 60;
    assertThat(HS256.verify(signRaw("{\"sub\":\"a\",\"exp\":" + exp + "}"))).isPresent();
    assertThat(HS256.verify(signRaw("{\"sub\":\"a\",\"exp\":" + exp + ",\"nbf\":1,\"iat\":1}")))
        .isPresent();
    assertThat(HS256.verify(signRaw("{\"sub\":\"a\",\"exp\":null}"))).isEmpty();
    assertThat(HS256.verify(signRaw("{\"sub\":\"a\",\"exp\":\"" + exp + "\"}"))).isEmpty();
    assertThat(HS256.verify(signRaw("{\"sub\":\"a\",\"exp\":" + exp + ",\"nbf\":\"1\"}")))
        .isEmpty();
    assertThat(HS256.verify(signRaw("{\"sub\":\"a\",\"exp\":" + exp + ",\"iat\":null}")))
        .isEmpty();
    assertThat(HS256.verify(signRaw("{\"sub\":\"a\"}"))).isEmpty();
    assertThat(JwtVerifier.numericDates(null)).isFalse();
    Map<String, Object> ok = new HashMap<>();
    ok.put("exp", 5);
    assertThat(JwtVerifier.numericDates(ok)).isTrue();
  }

  @Test
  void expired_unsigned_and_wrongly_signed_tokens_are_refused() throws Exception {
    assertThat(HS256.verify(sign(claims("a").expirationTime(new Date(1000)).build()))).isEmpty();
    String good = sign(claims("a").build());
    assertThat(HS256.verify(good.substring(0, good.lastIndexOf('.') + 1) + "AAAA")).isEmpty();
    String none = Base64URL.encode("{\"alg\":\"none\"}").toString() + "."
        + good.split("\\.")[1] + ".";
    assertThat(HS256.verify(none)).isEmpty();
    assertThat(HS256.verify("not.a.jwt")).isEmpty();
  }

  @Test
  void the_subject_is_1_to_255_characters_without_controls() throws Exception {
    assertThat(HS256.verify(sign(claims("s".repeat(255)).build()))).isPresent();
    assertThat(HS256.verify(sign(claims("s".repeat(256)).build()))).isEmpty();
    assertThat(HS256.verify(sign(claims(" ").build()))).isEmpty();
    assertThat(HS256.verify(sign(claims("a\u007fb").build()))).isEmpty();
  }

  @Test
  void admin_needs_the_word_admin_in_a_scope() throws Exception {
    assertThat(HS256.verify(sign(claims("a").claim("scope", "admin").build())).orElseThrow()
        .admin()).isTrue();
    assertThat(HS256.verify(sign(claims("a").claim("scope", "upload").build())).orElseThrow()
        .admin()).isFalse();
    assertThat(HS256.verify(sign(claims("a").claim("scope", List.of("upload")).build()))
        .orElseThrow().admin()).isFalse();
    assertThat(HS256.verify(sign(claims("a").claim("scope", 1).build())).orElseThrow().admin())
        .isFalse();
    assertThat(HS256.verify(sign(claims("a").build())).orElseThrow().admin()).isFalse();
  }

  @Test
  void rs256_keys_come_from_a_jwks_file(@TempDir Path dir) throws Exception {
    RSAKey key = new RSAKeyGenerator(2048).keyID("r1").generate();
    Path file = dir.resolve("jwks.json");
    Files.writeString(file, new JWKSet(key.toPublicJWK()).toString());
    JwtVerifier v = new JwtVerifier(new JwtVerifier.Settings(null, file.toString(), null, null));
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("r1").build(),
        claims("rsa").build());
    jwt.sign(new RSASSASigner(key));
    assertThat(v.verify(jwt.serialize())).map(Principal::subject).contains("rsa");
    // an HS256 token signed with anything is not accepted by a JWKS verifier
    assertThat(v.verify(sign(claims("rsa").build()))).isEmpty();
  }

  @Test
  void an_unusable_jwks_names_the_variable(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> new JwtVerifier(new JwtVerifier.Settings(null,
            dir.resolve("missing.json").toString(), null, null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("FORGE_AUTH_JWKS: cannot read a JWK set from file ");
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{not json");
    assertThatThrownBy(() -> new JwtVerifier(new JwtVerifier.Settings(null, bad.toString(), null,
        null))).hasMessageStartingWith("FORGE_AUTH_JWKS: cannot read a JWK set from file");
    assertThatThrownBy(() -> new JwtVerifier(new JwtVerifier.Settings(null, "http://", null,
        null))).hasMessage("FORGE_AUTH_JWKS is not a usable URL: http://");
    assertThatThrownBy(() -> new JwtVerifier(new JwtVerifier.Settings(null, "https:// x", null,
        null))).hasMessage("FORGE_AUTH_JWKS is not a usable URL: https:// x");
  }
}
