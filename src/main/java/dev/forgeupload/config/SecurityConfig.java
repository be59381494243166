package dev.forgeupload.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Authentication ({@code FORGE_AUTH}, {@code FORGE_AUTH_JWT_*}, {@code FORGE_AUTH_JWKS}) and the
 * browser origins allowed to call ({@code FORGE_CORS_ORIGINS}). What a client may use once in is
 * {@link LimitsConfig}.
 */
public record SecurityConfig(
    boolean tokenAuth,
    String jwtSecret,
    String jwks,
    String jwtIssuer,
    String jwtAudience,
    List<String> corsOrigins) {

  /** Shortest HS256 secret accepted: 256 bits, as RFC 7518 section 3.2 requires. */
  static final int MIN_SECRET_BYTES = 32;

  static SecurityConfig read(EnvReader r) {
    boolean token = r.oneOf("FORGE_AUTH", "none", "none", "token").equals("token");
    String secret = r.optional("FORGE_AUTH_JWT_SECRET");
    String jwks = r.optional("FORGE_AUTH_JWKS");
    if (secret != null && secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      throw new Config.ConfigException(
          "FORGE_AUTH_JWT_SECRET must be at least " + MIN_SECRET_BYTES + " bytes (HS256)");
    }
    if (secret != null && jwks != null) {
      throw new Config.ConfigException(
          "set one of FORGE_AUTH_JWT_SECRET (HS256) and FORGE_AUTH_JWKS (RS256/ES256), not both");
    }
    if (!token && (secret != null || jwks != null)) {
      throw new Config.ConfigException(
          "FORGE_AUTH_JWT_SECRET / FORGE_AUTH_JWKS are set but FORGE_AUTH is none: set "
              + "FORGE_AUTH=token");
    }
    return new SecurityConfig(
        token,
        secret,
        jwks,
        r.optional("FORGE_AUTH_JWT_ISSUER"),
        r.optional("FORGE_AUTH_JWT_AUDIENCE"),
        corsOrigins(r));
  }

  private static List<String> corsOrigins(EnvReader r) {
    List<String> origins =
        r.optional("FORGE_CORS_ORIGINS") == null
            ? List.of()
            : Arrays.stream(r.optional("FORGE_CORS_ORIGINS").split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    for (String o : origins) {
      if (!o.equals("*") && !o.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+")) {
        throw new Config.ConfigException(
            "FORGE_CORS_ORIGINS must list origins like https://app.example.com (scheme://host"
                + "[:port], no path) or *, got '" + o + "'");
      }
    }
    return origins;
  }

  /** True when a JWT key (secret or JWKS) is configured; without one only API keys work. */
  public boolean jwtConfigured() {
    return jwtSecret != null || jwks != null;
  }

  /** {@code FORGE_AUTH=none} is for a server only this machine can reach. */
  void checkBinding(String host) {
    if (tokenAuth) {
      return;
    }
    boolean loopback;
    try {
      InetAddress[] all = InetAddress.getAllByName(host);
      loopback = all.length > 0 && Arrays.stream(all).allMatch(InetAddress::isLoopbackAddress);
    } catch (UnknownHostException e) {
      loopback = false;
    }
    if (!loopback) {
      throw new Config.ConfigException(
          "FORGE_AUTH=none is allowed only while FORGE_HTTP_HOST is a loopback address (got '"
              + host + "'): set FORGE_AUTH=token with FORGE_AUTH_JWT_SECRET or FORGE_AUTH_JWKS "
              + "(or API keys)");
    }
  }

  /** How the credentials are checked, for the start-up log (secrets redacted). */
  String describeJwt() {
    return jwtSecret != null ? "HS256 secret ***" : jwks != null ? "JWKS " + jwks : null;
  }
}
