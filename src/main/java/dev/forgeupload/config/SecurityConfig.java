package dev.forgeupload.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Authentication, CORS and per-owner limits ({@code FORGE_AUTH*}, {@code FORGE_CORS_ORIGINS},
 * {@code FORGE_QUOTA_BYTES}, {@code FORGE_MAX_ACTIVE_UPLOADS}, {@code FORGE_RATE_*}), and the
 * caps on what one owner or client address may hold open on this node ({@code
 * FORGE_MAX_EVENT_STREAMS_PER_*}, {@code FORGE_MAX_CONNECTIONS_PER_ADDRESS}).
 */
public record SecurityConfig(
    boolean tokenAuth,
    String jwtSecret,
    String jwks,
    String jwtIssuer,
    String jwtAudience,
    List<String> corsOrigins,
    long quotaBytes,
    int maxActiveUploads,
    int rateOwnerPerMinute,
    int rateAddressPerMinute,
    long minBodyBytesPerSecond,
    int maxEventStreamsPerOwner,
    int maxEventStreamsPerAddress,
    int maxConnectionsPerAddress) {

  /** Shortest HS256 secret accepted: 256 bits, as RFC 7518 section 3.2 requires. */
  static final int MIN_SECRET_BYTES = 32;

  static SecurityConfig read(Config.Reader r) {
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
    return new SecurityConfig(
        token,
        secret,
        jwks,
        r.optional("FORGE_AUTH_JWT_ISSUER"),
        r.optional("FORGE_AUTH_JWT_AUDIENCE"),
        origins,
        r.longValue("FORGE_QUOTA_BYTES", 0, 0, Long.MAX_VALUE),
        (int) r.longValue("FORGE_MAX_ACTIVE_UPLOADS", 100, 0, 1_000_000),
        (int) r.longValue("FORGE_RATE_OWNER_PER_MINUTE", 6000, 0, 10_000_000),
        (int) r.longValue("FORGE_RATE_ADDRESS_PER_MINUTE", 12000, 0, 10_000_000),
        r.longValue("FORGE_MIN_BODY_BYTES_PER_SECOND", 1024, 0, 1L << 30),
        (int) r.longValue("FORGE_MAX_EVENT_STREAMS_PER_OWNER", 16, 0, 1_000_000),
        (int) r.longValue("FORGE_MAX_EVENT_STREAMS_PER_ADDRESS", 64, 0, 1_000_000),
        // Behind a trusted proxy every connection comes from the proxy: no default cap then.
        (int) r.longValue("FORGE_MAX_CONNECTIONS_PER_ADDRESS",
            r.bool("FORGE_TRUST_PROXY", false) ? 0 : 256, 0, 1_000_000));
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

  Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("auth", tokenAuth ? "token" : "none");
    m.put("auth_jwt", jwtSecret != null ? "HS256 secret ***" : jwks != null ? "JWKS " + jwks : null);
    m.put("cors_origins", corsOrigins);
    m.put("quota_bytes", quotaBytes);
    m.put("max_active_uploads", maxActiveUploads);
    m.put("rate_owner_per_minute", rateOwnerPerMinute);
    m.put("rate_address_per_minute", rateAddressPerMinute);
    m.put("min_body_bytes_per_second", minBodyBytesPerSecond);
    m.put("max_event_streams_per_owner", maxEventStreamsPerOwner);
    m.put("max_event_streams_per_address", maxEventStreamsPerAddress);
    m.put("max_connections_per_address", maxConnectionsPerAddress);
    return m;
  }
}
