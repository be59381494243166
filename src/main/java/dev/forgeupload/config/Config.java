package dev.forgeupload.config;

import dev.forgeupload.core.ContentPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The whole configuration, read once from the environment ({@code FORGE_*} variables). Defaults
 * sit beside the fields; a bad value stops start-up with one line naming the variable.
 */
public record Config(
    String httpHost,
    int httpPort,
    Path dataDir,
    String databaseUrl,
    String databaseUser,
    String databasePassword,
    long maxUploadBytes,
    int maxMetadataBytes,
    int maxConcatParts,
    boolean trustProxy,
    String logFormat,
    String logLevel,
    Duration uploadExpiry,
    Duration readTimeout,
    Duration headerTimeout,
    Duration lockLease,
    Duration lockWait,
    Duration stallTimeout,
    Duration checkpointInterval,
    Duration shutdownTimeout,
    String redisUrl,
    String s3Endpoint,
    String s3AccessKey,
    String s3SecretKey,
    String s3Bucket,
    String s3Region,
    long s3PartBytes,
    int workerConcurrency,
    int workerMaxAttempts,
    Duration workerBackoff,
    Duration workerClaimIdle,
    Duration reconcileInterval,
    Duration progressInterval,
    SecurityConfig security,

    List<String> deniedTypes,
    List<String> allowedTypes,
    Map<String, Long> typeMaxBytes) {

  /** Reads the configuration from an environment map (tests pass their own). */
  public static Config fromEnv(Map<String, String> env) {
    Reader r = new Reader(env);
    Config config =
        new Config(
            r.string("FORGE_HTTP_HOST", "127.0.0.1"),
            (int) r.longValue("FORGE_HTTP_PORT", 8080, 0, 65535),
            Path.of(r.string("FORGE_DATA_DIR", "./data")).toAbsolutePath().normalize(),
            r.optional("FORGE_DATABASE_URL"),
            r.optional("FORGE_DATABASE_USER"),
            r.optional("FORGE_DATABASE_PASSWORD"),
            r.longValue("FORGE_MAX_UPLOAD_BYTES", 1L << 40, 1, Long.MAX_VALUE),
            (int) r.longValue("FORGE_MAX_METADATA_BYTES", 16 * 1024, 64, 1024 * 1024),
            (int) r.longValue("FORGE_MAX_CONCAT_PARTS", 100, 1, 10_000),
            r.bool("FORGE_TRUST_PROXY", false),
            r.oneOf("FORGE_LOG_FORMAT", "text", "text", "json"),
            r.oneOf("FORGE_LOG_LEVEL", "info", "trace", "debug", "info", "warn", "error"),
            r.seconds("FORGE_UPLOAD_EXPIRY_SECONDS", 7 * 24 * 3600, 1),
            r.seconds("FORGE_READ_TIMEOUT_SECONDS", 30, 1),
            r.seconds("FORGE_HEADER_TIMEOUT_SECONDS", 10, 0),
            r.seconds("FORGE_LOCK_LEASE_SECONDS", 6, 2),
            r.seconds("FORGE_LOCK_WAIT_SECONDS", 3, 0),
            r.seconds("FORGE_STALL_SECONDS", 3, 1),
            r.seconds("FORGE_CHECKPOINT_SECONDS", 1, 0),
            r.seconds("FORGE_SHUTDOWN_TIMEOUT_SECONDS", 20, 1),
            r.optional("FORGE_REDIS_URL"),
            r.optional("FORGE_S3_ENDPOINT"),
            r.optional("FORGE_S3_ACCESS_KEY"),
            r.optional("FORGE_S3_SECRET_KEY"),
            r.string("FORGE_S3_BUCKET", "forgeupload"),
            r.string("FORGE_S3_REGION", "us-east-1"),
            r.longValue("FORGE_S3_PART_BYTES", 16L << 20, 5L << 20, 5L << 30),
            (int) r.longValue("FORGE_WORKER_CONCURRENCY", 2, 0, 256),
            (int) r.longValue("FORGE_WORKER_MAX_ATTEMPTS", 10, 1, 1000),
            r.seconds("FORGE_WORKER_BACKOFF_SECONDS", 1, 0),
            r.seconds("FORGE_WORKER_CLAIM_IDLE_SECONDS", 30, 1),
            r.seconds("FORGE_RECONCILE_SECONDS", 5, 1),
            Duration.ofMillis(r.longValue("FORGE_PROGRESS_INTERVAL_MILLIS", 250, 0, 60_000)),
            SecurityConfig.read(r),

            r.types("FORGE_DENIED_TYPES", ContentPolicy.DEFAULT_DENIED),
            r.types("FORGE_ALLOWED_TYPES", List.of()),
            r.limits("FORGE_TYPE_MAX_BYTES"));
    if (config.redisUrl() != null && !config.redisUrl().matches("rediss?://.+")) {
      throw new ConfigException(
          "FORGE_REDIS_URL must be a redis:// or rediss:// URL, got '" + config.redisUrl() + "'");
    }
    if (config.s3Endpoint() != null) {
      if (!config.s3Endpoint().matches("https?://.+")) {
        throw new ConfigException(
            "FORGE_S3_ENDPOINT must be an http:// or https:// URL, got '" + config.s3Endpoint()
                + "'");
      }
      if (config.s3AccessKey() == null || config.s3SecretKey() == null) {
        throw new ConfigException(
            "FORGE_S3_ACCESS_KEY and FORGE_S3_SECRET_KEY are required with FORGE_S3_ENDPOINT");
      }
    }
    if (!config.s3Bucket().matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new ConfigException(
          "FORGE_S3_BUCKET must be a valid bucket name, got '" + config.s3Bucket() + "'");
    }
    if (config.databaseUrl() != null && !config.databaseUrl().startsWith("jdbc:postgresql:")) {
      throw new ConfigException(
          "FORGE_DATABASE_URL must be a jdbc:postgresql: URL, got '" + config.databaseUrl() + "'");
    }
    config.security().checkBinding(config.httpHost());
    return config;
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

  public Path stagingDir() {
    return dataDir.resolve("staging");
  }

  /** The effective configuration for the start-up log, secrets redacted. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("http", httpHost + ":" + httpPort);
    m.put("data_dir", dataDir);
    m.put("database", databaseUrl == null ? "embedded" : redactUrl(databaseUrl));
    m.put("database_user", databaseUser);
    m.put("database_password", databasePassword == null ? null : "***");
    m.put("max_upload_bytes", maxUploadBytes);
    m.put("max_concat_parts", maxConcatParts);
    m.put("trust_proxy", trustProxy);
    m.put("upload_expiry", uploadExpiry);
    m.put("read_timeout", readTimeout);
    m.put("header_timeout", headerTimeout);
    m.put("lock_lease", lockLease);
    m.put("redis", redisUrl == null ? "embedded" : redactUrl(redisUrl));
    m.put("s3", s3Endpoint == null ? "embedded" : s3Endpoint);
    m.put("s3_bucket", s3Bucket);
    m.put("s3_access_key", s3AccessKey == null ? null : "***");
    m.put("worker_concurrency", workerConcurrency);
    m.put("worker_max_attempts", workerMaxAttempts);
    m.putAll(security.describe());
    m.put("denied_types", deniedTypes);
    m.put("allowed_types", allowedTypes);
    m.put("type_max_bytes", typeMaxBytes);
    return m;
  }

  private static String redactUrl(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***").replaceAll("//[^/@]*@", "//***@");
  }

  /** Thrown for a bad configuration value; its message names the variable. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }

  record Reader(Map<String, String> env) {
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
        throw new ConfigException(
            name + " must be an integer between " + min + " and " + max + ", got '" + v + "'");
      }
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
        default -> throw new ConfigException(name + " must be true or false, got '" + v + "'");
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
        return ContentPolicy.parseTypes(v);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name + ": " + e.getMessage() + ", got '" + v + "'");
      }
    }

    Map<String, Long> limits(String name) {
      String v = optional(name);
      if (v == null) {
        return Map.of();
      }
      try {
        return ContentPolicy.parseLimits(v);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name + ": " + e.getMessage() + ", got '" + v + "'");
      }
    }

    String oneOf(String name, String def, String... allowed) {
      String v = string(name, def).toLowerCase(Locale.ROOT);
      for (String a : allowed) {
        if (a.equals(v)) {
          return v;
        }
      }
      throw new ConfigException(
          name + " must be one of " + String.join("|", allowed) + ", got '" + v + "'");
    }
  }
}
