package dev.forgeupload.config;

import dev.forgeupload.core.HookType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole configuration, read once from the environment ({@code FORGE_*} variables), grouped
 * by area. Defaults sit beside the fields in each area's record; a bad value stops start-up with
 * one line naming the variable. Only the composition root reads it: components get values.
 */
public record Config(
    HttpConfig http,
    ServicesConfig services,
    UploadConfig uploads,
    WorkerConfig worker,
    LimitsConfig limits,
    SecurityConfig security,
    ContentConfig content,
    SyncConfig sync,
    HooksConfig hooks,
    StagingConfig staging) {

  /** Reads the configuration from an environment map (tests pass their own). */
  public static Config fromEnv(Map<String, String> env) {
    EnvReader r = EnvReader.of(env);
    HttpConfig http = HttpConfig.read(r);
    ServicesConfig services = ServicesConfig.read(r);
    UploadConfig uploads = UploadConfig.read(r);
    WorkerConfig worker = WorkerConfig.read(r);
    LimitsConfig limits = LimitsConfig.read(r);
    SecurityConfig security = SecurityConfig.read(r);
    ContentConfig content = ContentConfig.read(r);
    SyncConfig sync = SyncConfig.read(r);
    HooksConfig hooks = HooksConfig.read(r);
    StagingConfig staging = StagingConfig.read(r);
    checkLogging(r);
    security.checkBinding(http.host());
    return new Config(http, services, uploads, worker, limits, security, content, sync, hooks,
        staging);
  }

  /**
   * Logback reads {@code FORGE_LOG_FORMAT} and {@code FORGE_LOG_LEVEL} itself (logback.xml); they
   * are checked here so that a bad value stops start-up like any other.
   */
  private static void checkLogging(EnvReader r) {
    String format = r.oneOf("FORGE_LOG_FORMAT", "text", "text", "json");
    String raw = r.env().get("FORGE_LOG_FORMAT");
    if (raw != null && !raw.isBlank() && !raw.equals(format)) {
      // logback picks the appender by this exact name: "JSON" or " json" would log nothing
      throw new ConfigException(
          "FORGE_LOG_FORMAT must be exactly text or json (lower case, no spaces), got '" + raw
              + "'");
    }
    r.oneOf("FORGE_LOG_LEVEL", "info", "trace", "debug", "info", "warn", "error");
  }

  /**
   * {@code FORGE_LOG_FORMAT} and {@code FORGE_LOG_LEVEL} as read from {@code _FILE} variables:
   * logback looks up only the environment and system properties, so the entry point sets these
   * as system properties before anything logs. Empty when neither came from a file, or when the
   * files cannot be read ({@link #fromEnv} then reports why).
   */
  public static Map<String, String> loggingFromFiles(Map<String, String> env) {
    Map<String, String> out = new LinkedHashMap<>();
    try {
      Map<String, String> resolved = EnvReader.resolveFiles(env);
      for (String name : new String[] {"FORGE_LOG_FORMAT", "FORGE_LOG_LEVEL"}) {
        String v = resolved.get(name);
        if (v != null && !v.equals(env.get(name))) {
          out.put(name, v);
        }
      }
    } catch (ConfigException e) {
      // fromEnv reports it with the one-line message
    }
    return out;
  }

  /** This configuration with other services (worker mode joining a server's embedded ones). */
  public Config withServices(ServicesConfig joined) {
    return new Config(http, joined, uploads, worker, limits, security, content, sync, hooks,
        staging);
  }

  /** The effective configuration for the start-up log, secrets redacted. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    ServicesConfig s = services;
    m.put("http", http.host() + ":" + http.port());
    m.put("data_dir", s.dataDir());
    m.put("database", s.databaseUrl() == null ? "embedded" : redactUrl(s.databaseUrl()));
    m.put("database_user", s.databaseUser());
    m.put("database_password", s.databasePassword() == null ? null : "***");
    m.put("database_pool_size", s.databasePoolSize());
    m.put("max_upload_bytes", limits.maxUploadBytes());
    m.put("max_concat_parts", limits.maxConcatParts());
    m.put("trust_proxy", http.trustProxy());
    m.put("upload_expiry", uploads.uploadExpiry());
    m.put("read_timeout", http.readTimeout());
    m.put("header_timeout", http.headerTimeout());
    m.put("lock_lease", uploads.lockLease());
    m.put("redis", s.redisUrl() == null ? "embedded" : redactUrl(s.redisUrl()));
    m.put("redis_prefix", s.redisPrefix() == null ? "(from the database)" : s.redisPrefix());
    m.put("s3", s.s3Endpoint() == null ? "embedded" : s.s3Endpoint());
    m.put("s3_bucket", s.s3Bucket());
    m.put("s3_access_key", s.s3AccessKey() == null ? null : "***");
    m.put("worker_concurrency", worker.concurrency());
    m.put("worker_max_attempts", worker.maxAttempts());
    describeSecurity(m);
    m.put("denied_types", content.deniedTypes());
    m.put("allowed_types", content.allowedTypes());
    m.put("type_max_bytes", content.typeMaxBytes());
    m.put("sync_roots", sync.roots());
    m.put("sync_concurrency", sync.concurrency());
    m.put("sync_scan_interval", sync.scanInterval());
    m.put("hooks_url", hooks.url() == null ? null : redactUrl(hooks.url().toString()));
    m.put("hooks_events",
        hooks.enabled() ? hooks.events().stream().map(HookType::wireName).toList() : null);
    m.put("hooks_secret", hooks.secret() == null ? null : "***");
    m.put("hooks_fail", hooks.enabled() ? (hooks.failReject() ? "reject" : "allow") : null);
    m.put("staging", staging.mode());
    m.put("s3_max_parts", staging.maxParts());
    m.put("public_url", staging.publicUrl());
    return m;
  }

  private void describeSecurity(Map<String, Object> m) {
    m.put("auth", security.tokenAuth() ? "token" : "none");
    m.put("auth_jwt", security.describeJwt());
    m.put("cors_origins", security.corsOrigins());
    m.put("quota_bytes", limits.quotaBytes());
    m.put("max_active_uploads", limits.maxActiveUploads());
    m.put("rate_owner_per_minute", limits.rateOwnerPerMinute());
    m.put("rate_address_per_minute", limits.rateAddressPerMinute());
    m.put("min_body_bytes_per_second", limits.minBodyBytesPerSecond());
    m.put("max_event_streams_per_owner", limits.maxEventStreamsPerOwner());
    m.put("max_event_streams_per_address", limits.maxEventStreamsPerAddress());
    m.put("max_connections_per_address", limits.effectiveConnectionsPerAddress());
  }

  /** A service URL for logs and messages: passwords and user info replaced by {@code ***}. */
  public static String redactUrl(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***").replaceAll("//[^/@]*@", "//***@");
  }

  /** Thrown for a bad configuration value; its message names the variable. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }
}
