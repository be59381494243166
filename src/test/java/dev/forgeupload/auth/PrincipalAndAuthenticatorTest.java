package dev.forgeupload.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Who a request is: a principal's rights, and which credential goes to which check. */
class PrincipalAndAuthenticatorTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void the_open_principal_is_an_admin_with_no_owner() {
    assertThat(Principal.OPEN.admin()).isTrue();
    assertThat(Principal.OPEN.subject()).isNull();
    assertThat(Principal.OPEN.via()).isEqualTo("none");
    assertThat(Principal.OPEN.ownerFilter()).isNull();
    assertThat(Principal.OPEN.canSee("anyone")).isTrue();
    assertThat(Principal.OPEN.canSee(null)).isTrue();
  }

  @Test
  void a_credential_has_expired_from_its_expiry_on() {
    Principal p = new Principal("ann", false, "jwt", T, null);
    assertThat(p.expired(T.minusNanos(1))).isFalse();
    assertThat(p.expired(T)).isTrue();
    assertThat(p.expired(T.plusSeconds(1))).isTrue();
    assertThat(new Principal("ann", false, "api_key").expired(Instant.MAX)).isFalse();
  }

  @Test
  void a_user_sees_only_their_own_uploads() {
    Principal ann = new Principal("ann", false, "jwt");
    assertThat(ann.canSee("ann")).isTrue();
    assertThat(ann.canSee("bob")).isFalse();
    assertThat(ann.canSee(null)).isFalse();
    assertThat(ann.ownerFilter()).isEqualTo("ann");
    Principal nobody = new Principal(null, false, "jwt");
    assertThat(nobody.canSee(null)).isFalse();
    Principal admin = new Principal("root", true, "api_key");
    assertThat(admin.canSee("bob")).isTrue();
    assertThat(admin.ownerFilter()).isNull();
  }

  @Test
  void control_characters_are_below_space_and_del() {
    assertThat(Principal.hasControl("a\u0000")).isTrue();
    assertThat(Principal.hasControl("\u001f")).isTrue();
    assertThat(Principal.hasControl("x\u007f")).isTrue();
    assertThat(Principal.hasControl(" ~\u0080\u00e9")).isFalse();
    assertThat(Principal.hasControl("")).isFalse();
  }

  private static final String SECRET = "authenticator-test-secret-0123456789";
  private final InMemoryApiKeyStore store = new InMemoryApiKeyStore();
  private final ApiKeys keys = new ApiKeys(store);
  private final Authenticator withJwt =
      new Authenticator(keys, new JwtVerifier(new JwtVerifier.Settings(SECRET, null, null, null)));

  private static String jwt(String sub, String pad) throws Exception {
    com.nimbusds.jwt.JWTClaimsSet.Builder c = new com.nimbusds.jwt.JWTClaimsSet.Builder()
        .subject(sub).expirationTime(new java.util.Date(System.currentTimeMillis() + 60_000));
    if (pad != null) {
      c.claim("pad", pad);
    }
    com.nimbusds.jwt.SignedJWT t = new com.nimbusds.jwt.SignedJWT(
        new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256), c.build());
    t.sign(new com.nimbusds.jose.crypto.MACSigner(SECRET.getBytes(
        java.nio.charset.StandardCharsets.UTF_8)));
    return t.serialize();
  }

  @Test
  void api_keys_and_jwts_go_to_their_own_checks() throws Exception {
    ApiKeys.Created k = keys.create("ann", "upload", null, null);
    assertThat(withJwt.authenticate(k.key())).map(Principal::subject).contains("ann");
    assertThat(withJwt.authenticate(jwt("eve", null))).map(Principal::subject).contains("eve");
    assertThat(withJwt.authenticate(jwt("eve", null) + ".x")).isEmpty();
    assertThat(withJwt.authenticate("plain")).isEmpty();
    Authenticator keysOnly = new Authenticator(keys, null);
    assertThat(keysOnly.authenticate(jwt("eve", null))).isEmpty();
    assertThat(keysOnly.authenticate(k.key())).isPresent();
  }

  @Test
  void empty_and_oversized_tokens_are_refused_unread() throws Exception {
    assertThat(withJwt.authenticate(null)).isEmpty();
    assertThat(withJwt.authenticate("")).isEmpty();
    assertThat(store.lookups).isZero();
    // a valid token of exactly 8192 characters is read, one of 8193 is not
    String exact = null;
    String over = null;
    for (int n = 6000; n < 6200 && (exact == null || over == null); n++) {
      for (String sub : new String[] {"a", "ab", "abc"}) {
        String t = jwt(sub, "p".repeat(n));
        if (t.length() == 8192) {
          exact = t;
        } else if (t.length() == 8193) {
          over = t;
        }
      }
    }
    assertThat(exact).isNotNull();
    assertThat(over).isNotNull();
    assertThat(withJwt.authenticate(exact)).isPresent();
    assertThat(withJwt.authenticate(over)).isEmpty();
  }
}
