package dev.forgeupload.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MediaTypeRegistry;
import org.apache.tika.mime.MimeTypes;

/**
 * Media type names and the patterns that name lists of them: {@code type/subtype}, {@code
 * type/*} or {@code type/prefix*} (the syntax of {@code FORGE_DENIED_TYPES}, {@code
 * FORGE_ALLOWED_TYPES} and {@code FORGE_TYPE_MAX_BYTES}). A type matches a pattern when it or one
 * of its Tika supertypes does, so {@code application/x-msdownload} covers {@code
 * application/x-dosexec} and every PE variant.
 */
public final class TypePatterns {
  static final MimeTypes TYPES = MimeTypes.getDefaultMimeTypes();
  static final MediaTypeRegistry REGISTRY = TYPES.getMediaTypeRegistry();
  private static final Pattern PATTERN =
      Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]*/([a-z0-9!#$&^_.+-]+\\*?|\\*)");

  private TypePatterns() {}

  static void checkPattern(String p) {
    if (!PATTERN.matcher(p).matches()) {
      throw new IllegalArgumentException(
          "'" + p + "' is not a media type, type/* or type/prefix* pattern");
    }
  }

  /** Parses {@code a/b, c/*}; throws IllegalArgumentException with a reason. */
  public static List<String> parseTypes(String spec) {
    List<String> out = new ArrayList<>();
    for (String part : spec.split(",", -1)) {
      String p = part.strip().toLowerCase(Locale.ROOT);
      if (p.isEmpty()) {
        throw new IllegalArgumentException("has an empty entry");
      }
      checkPattern(p);
      out.add(p);
    }
    return out;
  }

  /** Parses {@code image/*=20971520,video/mp4=1073741824}; throws IllegalArgumentException. */
  public static Map<String, Long> parseLimits(String spec) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String part : spec.split(",", -1)) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("entry '" + part.strip() + "' is not type=bytes");
      }
      String p = part.substring(0, eq).strip().toLowerCase(Locale.ROOT);
      checkPattern(p);
      long n;
      try {
        n = Long.parseLong(part.substring(eq + 1).strip());
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 0) {
        throw new IllegalArgumentException(
            "limit for '" + p + "' must be a non-negative integer of bytes");
      }
      if (out.put(p, n) != null) {
        throw new IllegalArgumentException("'" + p + "' is repeated");
      }
    }
    return out;
  }

  static boolean matchesAny(MediaType type, List<String> patterns) {
    for (MediaType t = type; t != null; t = REGISTRY.getSupertype(t)) {
      String name = t.getBaseType().toString();
      for (String p : patterns) {
        if (matches(name, p)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean matches(String type, String pattern) {
    if (pattern.endsWith("*")) {
      return type.startsWith(pattern.substring(0, pattern.length() - 1));
    }
    return type.equals(pattern);
  }

  /**
   * The limit for a type among {@code maxBytes}' patterns: walking from the type up its
   * supertypes, the first one named exactly wins, then the longest matching wildcard pattern.
   */
  static Long limitFor(Map<String, Long> maxBytes, MediaType type) {
    if (maxBytes.isEmpty()) {
      return null;
    }
    for (MediaType t = type; t != null; t = REGISTRY.getSupertype(t)) {
      String name = t.getBaseType().toString();
      Long exact = maxBytes.get(name);
      if (exact != null) {
        return exact;
      }
      String best = null;
      for (String p : maxBytes.keySet()) {
        if (p.endsWith("*") && matches(name, p) && (best == null || p.length() > best.length())) {
          best = p;
        }
      }
      if (best != null) {
        return maxBytes.get(best);
      }
    }
    return null;
  }

  /** A type a client sent, normalized (Tika's aliases), without parameters; null if unparseable. */
  static MediaType parse(String type) {
    if (type == null) {
      return null;
    }
    MediaType t = MediaType.parse(type.strip().toLowerCase(Locale.ROOT));
    return t == null ? null : REGISTRY.normalize(t.getBaseType());
  }

  /** text/plain or one of its specializations. */
  static boolean isText(MediaType t) {
    MediaType base = t.getBaseType();
    return base.equals(MediaType.TEXT_PLAIN)
        || REGISTRY.isSpecializationOf(base, MediaType.TEXT_PLAIN);
  }
}
