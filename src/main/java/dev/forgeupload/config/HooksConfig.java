package dev.forgeupload.config;

import dev.forgeupload.core.HookType;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * HTTP hooks ({@code FORGE_HOOKS_*}): where they go, which events, how they are signed, how long
 * a blocking one may take and what its failure means, how long notifications are retried. Off
 * when {@code FORGE_HOOKS_HTTP_URL} is unset.
 */
public record HooksConfig(
    URI url,
    String secret,
    Set<HookType> events,
    Duration progressInterval,
    Duration timeout,
    boolean failReject,
    List<String> forwardHeaders,
    Duration retryWindow) {

  /** The Standard Webhooks secret prefix; the rest is base64. */
  static final String SECRET_PREFIX = "whsec_";
  /** Shortest key the Standard Webhooks spec allows (192 bits). */
  static final int MIN_KEY_BYTES = 24;

  static HooksConfig read(EnvReader r) {
    URI url = url(r.optional("FORGE_HOOKS_HTTP_URL"));
    String secret = r.optional("FORGE_HOOKS_SECRET");
    if (url != null && secret == null) {
      throw new Config.ConfigException(
          "FORGE_HOOKS_SECRET is required with FORGE_HOOKS_HTTP_URL (every hook is signed): "
              + "whsec_ followed by at least " + MIN_KEY_BYTES + " random bytes in base64");
    }
    if (secret != null) {
      key(secret);
    }
    return new HooksConfig(
        url,
        secret,
        events(r.optional("FORGE_HOOKS_EVENTS")),
        r.seconds("FORGE_HOOKS_PROGRESS_SECONDS", 1, 0),
        Duration.ofSeconds(r.longValue("FORGE_HOOKS_TIMEOUT_SECONDS", 10, 1, 300)),
        r.oneOf("FORGE_HOOKS_FAIL", "reject", "reject", "allow").equals("reject"),
        headers(r.optional("FORGE_HOOKS_FORWARD_HEADERS")),
        Duration.ofHours(r.longValue("FORGE_HOOKS_RETRY_HOURS", 24, 0, 24 * 365)));
  }

  public boolean enabled() {
    return url != null;
  }

  /** Whether {@code type} is sent (never, with hooks off). */
  public boolean sends(HookType type) {
    return enabled() && events.contains(type);
  }

  /** The HMAC key: the secret without its prefix, base64-decoded. */
  public byte[] secretKey() {
    return secret == null ? null : key(secret);
  }

  private static byte[] key(String secret) {
    if (!secret.startsWith(SECRET_PREFIX)) {
      throw new Config.ConfigException(
          "FORGE_HOOKS_SECRET must start with whsec_ (the Standard Webhooks form)");
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new Config.ConfigException("FORGE_HOOKS_SECRET: the part after whsec_ is not base64");
    }
    if (key.length < MIN_KEY_BYTES) {
      throw new Config.ConfigException(
          "FORGE_HOOKS_SECRET must hold at least " + MIN_KEY_BYTES + " bytes, got "
              + key.length);
    }
    return key;
  }

  private static URI url(String raw) {
    if (raw == null) {
      return null;
    }
    try {
      URI u = new URI(raw);
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null
          && u.getRawUserInfo() == null && u.getRawFragment() == null) {
        return u;
      }
    } catch (URISyntaxException e) {
      // below
    }
    throw new Config.ConfigException(
        "FORGE_HOOKS_HTTP_URL must be an http:// or https:// URL with a host (no user info), got '"
            + raw + "'");
  }

  private static Set<HookType> events(String raw) {
    if (raw == null) {
      return EnumSet.copyOf(HookType.DEFAULTS);
    }
    Set<HookType> out = EnumSet.noneOf(HookType.class);
    if (raw.equalsIgnoreCase("none")) {
      return out;
    }
    for (String name : raw.split(",")) {
      String n = name.strip().toLowerCase(Locale.ROOT);
      if (n.isEmpty()) {
        continue;
      }
      out.add(HookType.of(n).orElseThrow(() -> new Config.ConfigException(
          "FORGE_HOOKS_EVENTS: unknown event '" + n + "'; known: "
              + String.join(",", names()))));
    }
    return out;
  }

  private static List<String> names() {
    List<String> names = new ArrayList<>();
    for (HookType t : HookType.values()) {
      names.add(t.wireName());
    }
    return names;
  }

  private static List<String> headers(String raw) {
    List<String> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    for (String h : raw.split(",")) {
      String n = h.strip();
      if (n.isEmpty()) {
        continue;
      }
      if (!n.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
        throw new Config.ConfigException(
            "FORGE_HOOKS_FORWARD_HEADERS: '" + n + "' is not a header name");
      }
      out.add(n);
    }
    return List.copyOf(out);
  }
}
