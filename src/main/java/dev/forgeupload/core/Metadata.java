package dev.forgeupload.core;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The tus {@code Upload-Metadata} header: comma-separated {@code key base64value} pairs. */
public final class Metadata {
  private Metadata() {}

  /**
   * Parses the header strictly: keys are non-empty ASCII without spaces or commas and unique;
   * values are valid base64 decoding to UTF-8. Malformed UTF-8 becomes U+FFFD, and so does NUL
   * (PostgreSQL text and jsonb cannot hold it; the header itself is kept verbatim elsewhere).
   * Throws IllegalArgumentException with a reason.
   */
  public static Map<String, String> parse(String header) {
    if (header == null || header.isBlank()) {
      return Collections.emptyMap();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : header.split(",", -1)) {
      String p = pair.strip();
      if (p.isEmpty()) {
        throw new IllegalArgumentException("Upload-Metadata has an empty pair");
      }
      int space = p.indexOf(' ');
      String key = space < 0 ? p : p.substring(0, space);
      String encoded = space < 0 ? "" : p.substring(space + 1).strip();
      if (!key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        throw new IllegalArgumentException("Upload-Metadata key '" + printable(key) + "' is invalid");
      }
      if (encoded.indexOf(' ') >= 0) {
        throw new IllegalArgumentException("Upload-Metadata value for '" + key + "' has a space");
      }
      String value;
      try {
        value =
            new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8)
                .replace('\u0000', '\uFFFD');
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "Upload-Metadata value for '" + key + "' is not valid base64");
      }
      if (out.put(key, value) != null) {
        throw new IllegalArgumentException("Upload-Metadata key '" + key + "' is repeated");
      }
    }
    return out;
  }

  /**
   * The header for {@code metadata}: {@code key base64value} pairs, in the map's order (an empty
   * value is the key alone). Null for no metadata.
   */
  public static String header(Map<String, String> metadata) {
    if (metadata == null || metadata.isEmpty()) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(e.getKey());
      if (!e.getValue().isEmpty()) {
        b.append(' ')
            .append(Base64.getEncoder().encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8)));
      }
    }
    return b.toString();
  }

  /** Whether {@code key} may be a metadata key: non-empty printable ASCII, no space or comma. */
  public static boolean validKey(String key) {
    return key != null && !key.isEmpty()
        && key.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ',');
  }

  /** The client's filename, {@linkplain #sanitizeFilename sanitized} for storing and showing. */
  public static String filename(Map<String, String> metadata) {
    return sanitizeFilename(first(metadata, "filename", "name"));
  }

  private static final int MAX_FILENAME_BYTES = 255;

  /**
   * The last path component (after the last / or \), without control characters or the
   * invisible bidi/format characters that disguise an extension (U+200E/F, U+202A-E, U+2066-9),
   * trimmed and cut to at most 255 UTF-8 bytes on a code point boundary. Null when nothing usable
   * is left ("", "." or ".."). Unlike {@link ObjectKeys#safeName} this keeps every other
   * character: it is what people see, not an object key.
   */
  public static String sanitizeFilename(String name) {
    if (name == null) {
      return null;
    }
    String base = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
    StringBuilder out = new StringBuilder(base.length());
    base.codePoints()
        .filter(cp -> !Character.isISOControl(cp) && !isBidiControl(cp))
        .forEach(out::appendCodePoint);
    String s = out.toString().strip();
    int bytes = 0;
    int end = 0;
    while (end < s.length()) {
      int cp = s.codePointAt(end);
      int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
      if (bytes + n > MAX_FILENAME_BYTES) {
        break;
      }
      bytes += n;
      end += Character.charCount(cp);
    }
    s = s.substring(0, end).strip();
    return s.isEmpty() || s.equals(".") || s.equals("..") ? null : s;
  }

  private static boolean isBidiControl(int cp) {
    return cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E)
        || (cp >= 0x2066 && cp <= 0x2069);
  }

  public static String contentType(Map<String, String> metadata) {
    return first(metadata, "filetype", "type", "mimetype", "contentType");
  }

  private static String first(Map<String, String> metadata, String... keys) {
    for (String k : keys) {
      String v = metadata.get(k);
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  private static String printable(String s) {
    return s.replaceAll("[^\\x21-\\x7e]", "?");
  }
}
