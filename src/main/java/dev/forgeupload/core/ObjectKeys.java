package dev.forgeupload.core;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Object key layout: {@code uploads/<yyyy>/<mm>/<dd>/<upload id>/<safe filename>}. The date is the
 * upload's creation day (UTC) and the id is unique, so the key is the same on every retry and never
 * collides. The filename part is reduced to a safe, short, single path segment: it can never
 * climb out of its prefix.
 */
public final class ObjectKeys {
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd");
  private static final int MAX_NAME_BYTES = 200;

  private ObjectKeys() {}

  public static String of(Upload u) {
    return of(u.id(), u.createdAt(), u.filename());
  }

  /** The key of an upload created at {@code createdAt} (its row may not exist yet). */
  public static String of(java.util.UUID id, java.time.OffsetDateTime createdAt, String filename) {
    return "uploads/"
        + DAY.format(createdAt.withOffsetSameInstant(ZoneOffset.UTC))
        + "/"
        + id
        + "/"
        + safeName(filename);
  }

  /** One path segment of letters, digits, '.', '-', '_' and spaces; never empty, '.', or '..'. */
  public static String safeName(String filename) {
    if (filename == null) {
      return "file";
    }
    String base = filename.replace('\\', '/');
    base = base.substring(base.lastIndexOf('/') + 1);
    base = Normalizer.normalize(base, Normalizer.Form.NFKC);
    StringBuilder out = new StringBuilder();
    base.codePoints()
        .forEach(
            cp -> {
              if (Character.isLetterOrDigit(cp) || cp == '.' || cp == '-' || cp == '_') {
                out.appendCodePoint(cp);
              } else if (cp == ' ') {
                out.append(' ');
              } else {
                out.append('_');
              }
            });
    String s = out.toString().strip();
    while (s.startsWith(".")) {
      s = s.substring(1);
    }
    if (s.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      // keep a short extension, cut the stem
      int dot = s.lastIndexOf('.');
      String ext = dot > 0 && s.length() - dot <= 16 ? s.substring(dot) : "";
      String stem = ext.isEmpty() ? s : s.substring(0, dot);
      while ((stem + ext).getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        stem = stem.substring(0, stem.offsetByCodePoints(0, stem.codePointCount(0, stem.length()) - 1));
      }
      s = stem.strip() + ext;
    }
    return s.isBlank() || s.equals(".") ? "file" : s;
  }
}
