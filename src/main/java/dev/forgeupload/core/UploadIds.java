package dev.forgeupload.core;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** Upload ids: random (v4) UUIDs, 122 random bits, parsed strictly in canonical form. */
public final class UploadIds {
  private static final Pattern CANONICAL =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private UploadIds() {}

  public static UUID newId() {
    return UUID.randomUUID();
  }

  public static Optional<UUID> parse(String s) {
    if (s == null || !CANONICAL.matcher(s).matches()) {
      return Optional.empty();
    }
    return Optional.of(UUID.fromString(s));
  }
}
