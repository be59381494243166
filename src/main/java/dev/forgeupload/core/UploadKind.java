package dev.forgeupload.core;

import java.util.Locale;

/** tus concatenation role of an upload. */
public enum UploadKind {
  REGULAR,
  PARTIAL,
  FINAL;

  public String dbName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static UploadKind fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
