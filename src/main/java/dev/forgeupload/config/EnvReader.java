package dev.forgeupload.config;

import dev.forgeupload.core.TypePatterns;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed reads of {@code FORGE_*} variables: blank is unset, a bad value is a {@link
 * Config.ConfigException} whose message starts with the variable's name.
 */
record EnvReader(Map<String, String> env) {
  String optional(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  String string(String name, String def) {
    String v = optional(name);
    return v == null ? def : v;
  }

  long longValue(String name, long def, long min, long max) {
    String v = optional(name);
    if (v == null) {
      return def;
    }
    try {
      long n = Long.parseLong(v);
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new Config.ConfigException(
          name + " must be an integer between " + min + " and " + max + ", got '" + v + "'");
    }
  }

  int intValue(String name, int def, int min, int max) {
    return (int) longValue(name, def, min, max);
  }

  Duration seconds(String name, long def, long min) {
    return Duration.ofSeconds(longValue(name, def, min, 10L * 365 * 24 * 3600));
  }

  boolean bool(String name, boolean def) {
    String v = optional(name);
    if (v == null) {
      return def;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new Config.ConfigException(name + " must be true or false, got '" + v + "'");
    };
  }

  /** Comma-separated media type patterns; "none" is the empty list. */
  List<String> types(String name, List<String> def) {
    String v = optional(name);
    if (v == null) {
      return def;
    }
    if (v.equalsIgnoreCase("none")) {
      return List.of();
    }
    try {
      return TypePatterns.parseTypes(v);
    } catch (IllegalArgumentException e) {
      throw new Config.ConfigException(name + ": " + e.getMessage() + ", got '" + v + "'");
    }
  }

  Map<String, Long> limits(String name) {
    String v = optional(name);
    if (v == null) {
      return Map.of();
    }
    try {
      return TypePatterns.parseLimits(v);
    } catch (IllegalArgumentException e) {
      throw new Config.ConfigException(name + ": " + e.getMessage() + ", got '" + v + "'");
    }
  }

  String oneOf(String name, String def, String... allowed) {
    String v = string(name, def).toLowerCase(Locale.ROOT);
    for (String a : allowed) {
      if (a.equals(v)) {
        return v;
      }
    }
    throw new Config.ConfigException(
        name + " must be one of " + String.join("|", allowed) + ", got '" + v + "'");
  }
}
