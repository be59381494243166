package dev.forgeupload.objects;

import java.util.Locale;
import java.util.Set;

/**
 * Which uploads are worth compressing: by type (text, JSON, XML, CSV, logs, source, uncompressed
 * images), never already-compressed media or archives, and only when a trial on the first frame
 * saves at least {@link #MIN_SAVING}. A type we do not know (octet-stream) is judged by the
 * filename's extension; the trial decides the rest.
 */
public final class Compressibility {
  /** The share of the first frame a trial must save (0.10: at most 90% of it is left). */
  public static final double MIN_SAVING = 0.10;

  private static final Set<String> TYPES =
      Set.of(
          "application/json", "application/xml", "application/javascript",
          "application/x-javascript", "application/ecmascript", "application/x-ndjson",
          "application/ndjson", "application/x-yaml", "application/yaml", "application/sql",
          "application/x-sh", "application/x-httpd-php", "application/graphql",
          "application/toml", "application/x-tex", "application/rtf", "application/csv",
          "application/x-csv", "application/postscript", "application/x-subrip",
          "image/bmp", "image/x-bmp", "image/x-ms-bmp", "image/tiff", "image/svg+xml",
          "image/x-portable-pixmap", "image/x-portable-graymap", "image/x-portable-bitmap",
          "image/x-portable-anymap", "image/x-tga", "image/vnd.adobe.photoshop",
          "audio/wav", "audio/x-wav", "audio/vnd.wave");

  private static final Set<String> EXTENSIONS =
      Set.of(
          "txt", "log", "csv", "tsv", "json", "ndjson", "jsonl", "xml", "yaml", "yml", "toml",
          "ini", "conf", "cfg", "md", "rst", "html", "htm", "css", "js", "mjs", "ts", "tsx",
          "jsx", "java", "kt", "scala", "c", "h", "cc", "cpp", "hpp", "cs", "go", "rs", "py",
          "rb", "php", "pl", "sh", "bash", "sql", "svg", "bmp", "tif", "tiff", "ppm", "pgm",
          "pbm", "pnm", "tga", "psd", "wav", "srt", "tex", "out", "err", "trace", "dump");

  private Compressibility() {}

  /** True when an upload of this type (or, for an unknown type, name) may compress. */
  public static boolean typeCompresses(String contentType, String filename) {
    String t = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT).strip();
    int semi = t.indexOf(';');
    if (semi >= 0) {
      t = t.substring(0, semi).strip();
    }
    if (t.startsWith("text/") || TYPES.contains(t) || t.endsWith("+json") || t.endsWith("+xml")) {
      return true;
    }
    boolean unknown = t.isEmpty() || t.equals("application/octet-stream")
        || t.equals("binary/octet-stream") || t.equals("unknown");
    return unknown && EXTENSIONS.contains(extension(filename));
  }

  /** True when {@code packed} bytes for {@code original} bytes save at least {@link #MIN_SAVING}. */
  public static boolean saves(long original, long packed) {
    return original > 0 && packed <= original * (1 - MIN_SAVING);
  }

  /** The compression to use: {@code configured} if type and trial agree, else none. */
  public static Compression choose(
      Compression configured, String contentType, String filename, byte[] firstFrame, int len) {
    if (configured == Compression.NONE || len == 0 || !typeCompresses(contentType, filename)) {
      return Compression.NONE;
    }
    return saves(len, configured.compress(firstFrame, len).length) ? configured : Compression.NONE;
  }

  private static String extension(String filename) {
    if (filename == null) {
      return "";
    }
    int dot = filename.lastIndexOf('.');
    int slash = Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\'));
    return dot > slash && dot < filename.length() - 1
        ? filename.substring(dot + 1).toLowerCase(Locale.ROOT)
        : "";
  }
}
