package dev.forgeupload.config;

import dev.forgeupload.core.TypePatterns;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed reads of {@code FORGE_*} variables: blank is unset, a bad value is a {@link
 * Config.ConfigException} whose message starts with the variable's name. Any {@code FORGE_X}
 * may instead be given as {@code FORGE_X_FILE}, the path of a file holding the value (a secret
 * mounted by Docker or Kubernetes): see {@link #of}.
 */
record EnvReader(Map<String, String> env) {
  /** Suffix naming a file that holds the variable's value. */
  static final String FILE_SUFFIX = "_FILE";
  /** A value file larger than this is refused: values are lines, keys, at most a JWKS. */
  static final int MAX_FILE_BYTES = 1 << 20;

  /**
   * A reader over {@code env} with every {@code FORGE_X_FILE} replaced by {@code FORGE_X}: the
   * file's content (UTF-8, trailing line breaks trimmed). Both set is an error, and so is a file
   * that cannot be read; the messages name the variables and the path, never the content.
   */
  static EnvReader of(Map<String, String> env) {
    return new EnvReader(resolveFiles(env));
  }

  /** {@code env} with the {@code FORGE_*_FILE} variables read (see {@link #of}). */
  static Map<String, String> resolveFiles(Map<String, String> env) {
    Map<String, String> out = new HashMap<>(env);
    for (Map.Entry<String, String> e : env.entrySet()) {
      String fileVar = e.getKey();
      if (!fileVar.startsWith("FORGE_") || !fileVar.endsWith(FILE_SUFFIX)
          || fileVar.length() <= "FORGE_".length() + FILE_SUFFIX.length()) {
        continue;
      }
      out.remove(fileVar);
      String path = e.getValue();
      if (path == null || path.isBlank()) {
        continue; // blank is unset, as for any variable
      }
      String name = fileVar.substring(0, fileVar.length() - FILE_SUFFIX.length());
      String direct = env.get(name);
      if (direct != null && !direct.isBlank()) {
        throw new Config.ConfigException(
            name + " and " + fileVar + " are both set: give the value one way only");
      }
      out.put(name, readValueFile(fileVar, Path.of(path.trim())));
    }
    return out;
  }

  private static String readValueFile(String fileVar, Path path) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(path)) {
      bytes = in.readNBytes(MAX_FILE_BYTES + 1);
    } catch (IOException e) {
      throw new Config.ConfigException(
          fileVar + ": cannot read " + path + " (" + e.getClass().getSimpleName() + ")");
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new Config.ConfigException(
          fileVar + ": " + path + " is larger than " + MAX_FILE_BYTES + " bytes");
    }
    String value;
    try {
      value = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new Config.ConfigException(fileVar + ": " + path + " is not UTF-8 text");
    }
    int end = value.length();
    while (end > 0 && (value.charAt(end - 1) == '\n' || value.charAt(end - 1) == '\r')) {
      end--;
    }
    return value.substring(0, end);
  }

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
