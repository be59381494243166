package dev.forgeupload.config;

import java.net.URI;
import java.time.Duration;

/**
 * Where unfinished uploads' bytes live ({@code FORGE_STAGING}: {@code disk}, this node's data
 * directory, or {@code s3}, multipart uploads in the bucket, which makes nodes stateless), the
 * part-count limit of the S3 API ({@code FORGE_S3_MAX_PARTS}), how old an unowned multipart
 * upload must be before the sweeper aborts it ({@code FORGE_S3_ORPHAN_SECONDS}), and the URL
 * clients reach the service at ({@code FORGE_PUBLIC_URL}; else the request's host), and up to
 * which length an upload that arrives whole in its creation request keeps its bytes in
 * PostgreSQL, committed with its row ({@code FORGE_INLINE_MAX_BYTES}, disk staging only; 0: never).
 */
public record StagingConfig(
    String mode, int maxParts, Duration orphanAge, String publicUrl, int inlineMaxBytes) {

  public boolean s3() {
    return "s3".equals(mode);
  }

  static StagingConfig read(EnvReader r) {
    return new StagingConfig(
        r.oneOf("FORGE_STAGING", "disk", "disk", "s3"),
        r.intValue("FORGE_S3_MAX_PARTS", 10_000, 1, 10_000),
        r.seconds("FORGE_S3_ORPHAN_SECONDS", 24 * 3600, 0),
        publicUrl(r.optional("FORGE_PUBLIC_URL")),
        r.intValue("FORGE_INLINE_MAX_BYTES", 64 * 1024, 0, 1024 * 1024));
  }

  /** An absolute http(s) URL without query or fragment, kept without its trailing slash. */
  private static String publicUrl(String v) {
    if (v == null) {
      return null;
    }
    URI u;
    try {
      u = new URI(v);
    } catch (java.net.URISyntaxException e) {
      u = null;
    }
    if (u == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
        || u.getHost() == null || u.getRawQuery() != null || u.getRawFragment() != null
        || u.getRawUserInfo() != null) {
      throw new Config.ConfigException(
          "FORGE_PUBLIC_URL must be an absolute http(s) URL without user, query or fragment"
              + " (e.g. https://uploads.example.com), got '" + v + "'");
    }
    return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
  }
}
