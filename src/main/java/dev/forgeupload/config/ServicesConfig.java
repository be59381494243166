package dev.forgeupload.config;

import java.nio.file.Path;

/**
 * The data directory and the three services: PostgreSQL ({@code FORGE_DATABASE_*}), Redis
 * ({@code FORGE_REDIS_URL}, {@code FORGE_REDIS_PREFIX}) and S3 ({@code FORGE_S3_*}). A service
 * without its URL or endpoint is the embedded stand-in. {@code redisPrefix} is null unless set:
 * the namespace is then derived from the database (its deployment id).
 */
public record ServicesConfig(
    Path dataDir,
    String databaseUrl,
    String databaseUser,
    String databasePassword,
    int databasePoolSize,
    String redisUrl,
    String redisPrefix,
    String s3Endpoint,
    String s3AccessKey,
    String s3SecretKey,
    String s3Bucket,
    String s3Region,
    long s3PartBytes) {

  static ServicesConfig read(EnvReader r) {
    ServicesConfig s =
        new ServicesConfig(
            Path.of(r.string("FORGE_DATA_DIR", "./data")).toAbsolutePath().normalize(),
            r.optional("FORGE_DATABASE_URL"),
            r.optional("FORGE_DATABASE_USER"),
            r.optional("FORGE_DATABASE_PASSWORD"),
            (int) r.longValue("FORGE_DATABASE_POOL_SIZE", 20, 2, 1000),
            r.optional("FORGE_REDIS_URL"),
            r.optional("FORGE_REDIS_PREFIX"),
            r.optional("FORGE_S3_ENDPOINT"),
            r.optional("FORGE_S3_ACCESS_KEY"),
            r.optional("FORGE_S3_SECRET_KEY"),
            r.string("FORGE_S3_BUCKET", "forgeupload"),
            r.string("FORGE_S3_REGION", "us-east-1"),
            r.longValue("FORGE_S3_PART_BYTES", 16L << 20, 5L << 20, 5L << 30));
    s.check();
    return s;
  }

  private void check() {
    if (redisUrl != null && !redisUrl.matches("rediss?://.+")) {
      throw new Config.ConfigException(
          "FORGE_REDIS_URL must be a redis:// or rediss:// URL, got '" + redisUrl + "'");
    }
    // no ':' inside: a key's deployment is everything before its first ':'
    if (redisPrefix != null && !redisPrefix.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw new Config.ConfigException(
          "FORGE_REDIS_PREFIX must be 1 to 64 letters, digits, '.', '_' or '-', starting with a "
              + "letter or digit (Redis names become <prefix>:jobs, ...), got '" + redisPrefix
              + "'");
    }
    if (s3Endpoint != null) {
      if (!s3Endpoint.matches("https?://.+")) {
        throw new Config.ConfigException(
            "FORGE_S3_ENDPOINT must be an http:// or https:// URL, got '" + s3Endpoint + "'");
      }
      if (s3AccessKey == null || s3SecretKey == null) {
        throw new Config.ConfigException(
            "FORGE_S3_ACCESS_KEY and FORGE_S3_SECRET_KEY are required with FORGE_S3_ENDPOINT");
      }
    }
    if (!s3Bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new Config.ConfigException(
          "FORGE_S3_BUCKET must be a valid bucket name, got '" + s3Bucket + "'");
    }
    if (databaseUrl != null && !databaseUrl.startsWith("jdbc:postgresql:")) {
      throw new Config.ConfigException(
          "FORGE_DATABASE_URL must be a jdbc:postgresql: URL, got '" + databaseUrl + "'");
    }
  }

  /** True when the embedded PostgreSQL must be started (no external database configured). */
  public boolean embeddedDatabase() {
    return databaseUrl == null;
  }

  public boolean embeddedRedis() {
    return redisUrl == null;
  }

  public boolean embeddedS3() {
    return s3Endpoint == null;
  }

  /** True when at least one service is an embedded stand-in. */
  public boolean anyEmbedded() {
    return embeddedDatabase() || embeddedRedis() || embeddedS3();
  }

  public Path stagingDir() {
    return dataDir.resolve("staging");
  }

  /**
   * These services with the ones not configured here taken from {@code endpoints} (keyed by
   * their variable names, as the running server on this data directory wrote them), checked
   * like values from the environment. What is configured here wins.
   */
  public ServicesConfig joining(java.util.Map<String, String> endpoints) {
    ServicesConfig s =
        new ServicesConfig(
            dataDir,
            or(databaseUrl, endpoints.get("FORGE_DATABASE_URL")),
            or(databaseUser, endpoints.get("FORGE_DATABASE_USER")),
            databasePassword,
            databasePoolSize,
            or(redisUrl, endpoints.get("FORGE_REDIS_URL")),
            redisPrefix,
            or(s3Endpoint, endpoints.get("FORGE_S3_ENDPOINT")),
            or(s3AccessKey, endpoints.get("FORGE_S3_ACCESS_KEY")),
            or(s3SecretKey, endpoints.get("FORGE_S3_SECRET_KEY")),
            s3Bucket,
            s3Region,
            s3PartBytes);
    s.check();
    return s;
  }

  private static String or(String configured, String joined) {
    if (configured != null) {
      return configured;
    }
    return joined == null || joined.isBlank() ? null : joined.trim();
  }
}
