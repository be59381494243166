package dev.forgeupload.config;

import dev.forgeupload.core.ContentPolicy;
import java.util.List;
import java.util.Map;

/**
 * The content check's lists ({@code FORGE_DENIED_TYPES}, {@code FORGE_ALLOWED_TYPES}) and
 * per-type size limits ({@code FORGE_TYPE_MAX_BYTES}), checked for their syntax here.
 */
public record ContentConfig(
    List<String> deniedTypes, List<String> allowedTypes, Map<String, Long> typeMaxBytes) {

  static ContentConfig read(EnvReader r) {
    return new ContentConfig(
        r.types("FORGE_DENIED_TYPES", ContentPolicy.DEFAULT_DENIED),
        r.types("FORGE_ALLOWED_TYPES", List.of()),
        r.limits("FORGE_TYPE_MAX_BYTES"));
  }
}
