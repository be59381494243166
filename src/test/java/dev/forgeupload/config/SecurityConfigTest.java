package dev.forgeupload.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 17, item 4: authentication and CORS settings, each refusal naming its variable. */
class SecurityConfigTest {
  private static final String SECRET = "s".repeat(32);

  private static SecurityConfig security(Map<String, String> env) {
    return Config.fromEnv(env).security();
  }

  @Test
  void a_jwt_secret_and_a_jwks_at_once_are_refused() {
    assertThatThrownBy(() -> security(Map.of("FORGE_AUTH", "token",
            "FORGE_AUTH_JWT_SECRET", SECRET, "FORGE_AUTH_JWKS", "/etc/forge/jwks.json")))
        .isInstanceOf(Config.ConfigException.class)
        .hasMessage("set one of FORGE_AUTH_JWT_SECRET (HS256) and FORGE_AUTH_JWKS (RS256/ES256), "
            + "not both");
  }

  @Test
  void a_secret_needs_32_bytes_counted_in_utf8() {
    assertThat(security(Map.of("FORGE_AUTH", "token", "FORGE_AUTH_JWT_SECRET", SECRET))
        .jwtSecret()).isEqualTo(SECRET);
    assertThat(security(Map.of("FORGE_AUTH", "token", "FORGE_AUTH_JWT_SECRET",
        "\u00e9".repeat(16))).jwtConfigured()).isTrue();
    assertThatThrownBy(() -> security(Map.of("FORGE_AUTH", "token",
            "FORGE_AUTH_JWT_SECRET", "s".repeat(31))))
        .hasMessage("FORGE_AUTH_JWT_SECRET must be at least 32 bytes (HS256)");
  }

  @Test
  void a_jwks_alone_is_read_and_a_key_without_token_mode_is_refused() {
    SecurityConfig s = security(Map.of("FORGE_AUTH", "TOKEN", "FORGE_AUTH_JWKS", "/k.json",
        "FORGE_AUTH_JWT_ISSUER", "https://idp", "FORGE_AUTH_JWT_AUDIENCE", "forge"));
    assertThat(s.tokenAuth()).isTrue();
    assertThat(s.jwks()).isEqualTo("/k.json");
    assertThat(s.jwtSecret()).isNull();
    assertThat(s.jwtConfigured()).isTrue();
    assertThat(s.jwtIssuer()).isEqualTo("https://idp");
    assertThat(s.jwtAudience()).isEqualTo("forge");
    assertThat(s.describeJwt()).isEqualTo("JWKS /k.json");
    assertThatThrownBy(() -> security(Map.of("FORGE_AUTH_JWKS", "/k.json")))
        .hasMessageContaining("FORGE_AUTH=token");
    SecurityConfig keysOnly = security(Map.of("FORGE_AUTH", "token"));
    assertThat(keysOnly.jwtConfigured()).isFalse();
    assertThat(keysOnly.describeJwt()).isNull();
    assertThat(security(Map.of("FORGE_AUTH", "token", "FORGE_AUTH_JWT_SECRET", SECRET))
        .describeJwt()).isEqualTo("HS256 secret ***");
    assertThat(security(Map.of()).tokenAuth()).isFalse();
  }

  @Test
  void cors_origins_are_scheme_host_and_port_or_a_star() {
    assertThat(security(Map.of("FORGE_CORS_ORIGINS",
        "*, https://a.example.com:8443,,http://[::1]:5173 ")).corsOrigins())
        .containsExactly("*", "https://a.example.com:8443", "http://[::1]:5173");
    assertThat(security(Map.of()).corsOrigins()).isEmpty();
    for (String bad : new String[] {"ftp://a.example.com", "a.example.com", "https://a/b"}) {
      assertThatThrownBy(() -> security(Map.of("FORGE_CORS_ORIGINS", bad)))
          .hasMessageStartingWith("FORGE_CORS_ORIGINS must list origins")
          .hasMessageEndingWith("got '" + bad + "'");
    }
  }

  @Test
  void open_mode_needs_a_loopback_address() {
    assertThat(Config.fromEnv(Map.of("FORGE_HTTP_HOST", "::1")).http().host()).isEqualTo("::1");
    assertThat(Config.fromEnv(Map.of("FORGE_HTTP_HOST", "127.0.0.2"))).isNotNull();
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_HTTP_HOST", "no-such-host.invalid")))
        .hasMessageStartingWith("FORGE_AUTH=none is allowed only while FORGE_HTTP_HOST is a "
            + "loopback address (got 'no-such-host.invalid')");
    assertThat(Config.fromEnv(Map.of("FORGE_HTTP_HOST", "no-such-host.invalid",
        "FORGE_AUTH", "token")).security().tokenAuth()).isTrue();
  }
}
