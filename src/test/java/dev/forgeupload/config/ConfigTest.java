package dev.forgeupload.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

  @Test
  void defaults_follow_the_contract() {
    Config c = Config.fromEnv(Map.of());
    assertThat(c.http().host()).isEqualTo("127.0.0.1");
    assertThat(c.http().port()).isEqualTo(8080);
    assertThat(c.services().dataDir().getFileName().toString()).isEqualTo("data");
    assertThat(c.services().embeddedDatabase()).isTrue();
    assertThat(c.http().trustProxy()).isFalse();
    // an address holding all its event streams (64) still has connections left for requests
    assertThat(Config.fromEnv(Map.of("FORGE_MAX_CONNECTIONS_PER_ADDRESS", "10"))
        .limits().effectiveConnectionsPerAddress()).isEqualTo(128);
    assertThat(Config.fromEnv(Map.of("FORGE_MAX_CONNECTIONS_PER_ADDRESS", "0"))
        .limits().effectiveConnectionsPerAddress()).isZero();
    assertThat(c.limits().effectiveConnectionsPerAddress()).isEqualTo(256);
    // a server and two workers fit PostgreSQL's default max_connections (100) with room to spare
    assertThat(c.services().databasePoolSize()).isEqualTo(20);
    // logback reads FORGE_LOG_FORMAT / FORGE_LOG_LEVEL itself; Config only checks them
    assertThat(Config.fromEnv(Map.of("FORGE_LOG_FORMAT", "json", "FORGE_LOG_LEVEL", "debug")))
        .isNotNull();
  }

  @Test
  void values_are_read_from_the_environment() {
    Config c =
        Config.fromEnv(
            Map.of(
                "FORGE_HTTP_PORT", "9001",
                "FORGE_MAX_UPLOAD_BYTES", "1024",
                "FORGE_TRUST_PROXY", "true",
                "FORGE_DATABASE_URL", "jdbc:postgresql://db/forge",
                "FORGE_READ_TIMEOUT_SECONDS", "7",
                "FORGE_DATABASE_POOL_SIZE", "8"));
    assertThat(c.http().port()).isEqualTo(9001);
    assertThat(c.services().databasePoolSize()).isEqualTo(8);
    assertThat(c.limits().maxUploadBytes()).isEqualTo(1024);
    assertThat(c.http().trustProxy()).isTrue();
    assertThat(c.services().embeddedDatabase()).isFalse();
    assertThat(c.http().readTimeout()).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void a_bad_value_names_the_variable() {
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_HTTP_PORT", "http")))
        .hasMessageContaining("FORGE_HTTP_PORT")
        .hasMessageContaining("'http'");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_DATABASE_POOL_SIZE", "1")))
        .hasMessageContaining("FORGE_DATABASE_POOL_SIZE");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_MAX_UPLOAD_BYTES", "-5")))
        .hasMessageContaining("FORGE_MAX_UPLOAD_BYTES");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_TRUST_PROXY", "maybe")))
        .hasMessageContaining("FORGE_TRUST_PROXY");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_LOG_FORMAT", "xml")))
        .hasMessageContaining("FORGE_LOG_FORMAT");
    // logback matches the appender name exactly: another case would silence every log line
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_LOG_FORMAT", "JSON")))
        .hasMessageContaining("FORGE_LOG_FORMAT");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_LOG_LEVEL", "loud")))
        .hasMessageContaining("FORGE_LOG_LEVEL");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_DATABASE_URL", "mysql://x")))
        .hasMessageContaining("FORGE_DATABASE_URL");
  }

  @Test
  void the_described_config_lists_every_area_in_its_start_up_order() {
    assertThat(Config.fromEnv(Map.of()).describe().keySet())
        .containsExactly(
            "http", "data_dir", "database", "database_user", "database_password",
            "database_pool_size", "max_upload_bytes", "max_concat_parts", "trust_proxy", "upload_expiry",
            "read_timeout", "header_timeout", "lock_lease", "redis", "redis_prefix", "s3",
            "s3_bucket", "s3_access_key", "worker_concurrency", "worker_max_attempts", "auth",
            "auth_jwt", "cors_origins", "quota_bytes", "max_active_uploads", "rate_owner_per_minute",
            "rate_address_per_minute", "min_body_bytes_per_second",
            "max_event_streams_per_owner", "max_event_streams_per_address",
            "max_connections_per_address", "denied_types", "allowed_types", "type_max_bytes",
            "sync_roots", "sync_concurrency", "sync_scan_interval",
            "hooks_url", "hooks_events", "hooks_secret", "hooks_fail", "staging", "s3_max_parts",
            "public_url");
  }

  @Test
  void sync_jobs_are_off_without_roots_and_roots_must_be_absolute_existing_folders(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    SyncConfig off = Config.fromEnv(Map.of()).sync();
    assertThat(off.enabled()).isFalse();
    assertThat(off.concurrency()).isEqualTo(5);
    assertThat(off.scanInterval()).isEqualTo(java.time.Duration.ofSeconds(300));
    SyncConfig on =
        Config.fromEnv(Map.of("FORGE_SYNC_ROOTS", tmp + " , " + tmp + "/./", "FORGE_SYNC_CONCURRENCY", "2"))
            .sync();
    assertThat(on.roots()).containsExactly(tmp, tmp);
    assertThat(on.concurrency()).isEqualTo(2);
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_SYNC_ROOTS", "relative/dir")))
        .isInstanceOf(Config.ConfigException.class)
        .hasMessageStartingWith("FORGE_SYNC_ROOTS");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_SYNC_ROOTS", tmp + "/missing")))
        .hasMessageStartingWith("FORGE_SYNC_ROOTS");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_SYNC_CONCURRENCY", "0")))
        .hasMessageStartingWith("FORGE_SYNC_CONCURRENCY");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_SYNC_SCAN_SECONDS", "0")))
        .hasMessageStartingWith("FORGE_SYNC_SCAN_SECONDS");
  }

  @Test
  void the_redis_prefix_is_derived_unless_set_and_a_set_one_is_checked() {
    assertThat(Config.fromEnv(Map.of()).services().redisPrefix()).isNull(); // from the database
    assertThat(Config.fromEnv(Map.of("FORGE_REDIS_PREFIX", "prod-eu.1_a")).services().redisPrefix())
        .isEqualTo("prod-eu.1_a");
    assertThat(Config.fromEnv(Map.of("FORGE_REDIS_PREFIX", "x".repeat(64))).services()
        .redisPrefix()).hasSize(64);
    for (String bad :
        List.of("a:b", "prod eu", "-prod", ".x", "_x", "x".repeat(65), "k*", "{tag}", "a/b",
            "caf\u00e9", "a\nb")) {
      assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_REDIS_PREFIX", bad)))
          .as("FORGE_REDIS_PREFIX=%s", bad)
          .isInstanceOf(Config.ConfigException.class)
          .hasMessageStartingWith("FORGE_REDIS_PREFIX must be")
          .hasMessageContaining("'" + bad + "'");
    }
    // worker mode joining a server's embedded services keeps its own prefix
    ServicesConfig joined =
        Config.fromEnv(Map.of("FORGE_REDIS_PREFIX", "blue")).services()
            .joining(Map.of("FORGE_REDIS_URL", "redis://127.0.0.1:1"));
    assertThat(joined.redisPrefix()).isEqualTo("blue");
  }

  @Test
  void the_password_never_appears_in_the_described_config() {
    Config c =
        Config.fromEnv(
            Map.of(
                "FORGE_DATABASE_URL", "jdbc:postgresql://db/forge?user=u&password=s3cret",
                "FORGE_DATABASE_PASSWORD", "hunter2"));
    assertThat(c.describe().toString()).doesNotContain("s3cret").doesNotContain("hunter2");
  }

  @Test
  void open_mode_is_refused_on_a_non_loopback_address_and_token_mode_is_accepted_there() {
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_HTTP_HOST", "0.0.0.0")))
        .isInstanceOf(Config.ConfigException.class)
        .hasMessageContaining("FORGE_AUTH=none");
    assertThat(Config.fromEnv(Map.of("FORGE_HTTP_HOST", "localhost")).security().tokenAuth())
        .isFalse();
    Config c =
        Config.fromEnv(
            Map.of(
                "FORGE_HTTP_HOST", "0.0.0.0",
                "FORGE_AUTH", "token",
                "FORGE_AUTH_JWT_SECRET", "x".repeat(32),
                "FORGE_CORS_ORIGINS", "https://a.example.com, http://localhost:5173"));
    assertThat(c.security().tokenAuth()).isTrue();
    assertThat(c.security().corsOrigins())
        .containsExactly("https://a.example.com", "http://localhost:5173");
    assertThat(c.describe().toString()).doesNotContain("x".repeat(32));
  }

  @Test
  void bad_security_values_stop_start_up_naming_the_variable() {
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_AUTH", "maybe")))
        .hasMessageContaining("FORGE_AUTH");
    assertThatThrownBy(
            () -> Config.fromEnv(Map.of("FORGE_AUTH", "token", "FORGE_AUTH_JWT_SECRET", "short")))
        .hasMessageContaining("FORGE_AUTH_JWT_SECRET");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_AUTH_JWT_SECRET", "y".repeat(40))))
        .hasMessageContaining("FORGE_AUTH=token");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_CORS_ORIGINS", "https://a.com/path")))
        .hasMessageContaining("FORGE_CORS_ORIGINS");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_QUOTA_BYTES", "-1")))
        .hasMessageContaining("FORGE_QUOTA_BYTES");
  }

  @Test
  void stream_connection_and_header_limits_have_defaults_and_are_checked() {
    Config d = Config.fromEnv(Map.of());
    assertThat(d.limits().maxEventStreamsPerOwner()).isEqualTo(16);
    assertThat(d.limits().maxEventStreamsPerAddress()).isEqualTo(64);
    assertThat(d.limits().maxConnectionsPerAddress()).isEqualTo(256);
    assertThat(d.http().headerTimeout()).isEqualTo(Duration.ofSeconds(10));
    // behind a trusted proxy every connection comes from the proxy: no connection cap by default
    assertThat(Config.fromEnv(Map.of("FORGE_TRUST_PROXY", "true")).limits()
        .maxConnectionsPerAddress()).isZero();
    Config c =
        Config.fromEnv(
            Map.of(
                "FORGE_MAX_EVENT_STREAMS_PER_OWNER", "0",
                "FORGE_MAX_EVENT_STREAMS_PER_ADDRESS", "5",
                "FORGE_MAX_CONNECTIONS_PER_ADDRESS", "1000",
                "FORGE_TRUST_PROXY", "true",
                "FORGE_HEADER_TIMEOUT_SECONDS", "0"));
    assertThat(c.limits().maxEventStreamsPerOwner()).isZero();
    assertThat(c.limits().maxEventStreamsPerAddress()).isEqualTo(5);
    assertThat(c.limits().maxConnectionsPerAddress()).isEqualTo(1000);
    assertThat(c.http().headerTimeout()).isZero();
    assertThat(c.describe()).containsEntry("max_event_streams_per_address", 5)
        .containsEntry("header_timeout", Duration.ZERO);
    for (String name :
        new String[] {
          "FORGE_MAX_EVENT_STREAMS_PER_OWNER", "FORGE_MAX_EVENT_STREAMS_PER_ADDRESS",
          "FORGE_MAX_CONNECTIONS_PER_ADDRESS", "FORGE_HEADER_TIMEOUT_SECONDS"
        }) {
      assertThatThrownBy(() -> Config.fromEnv(Map.of(name, "-1")))
          .isInstanceOf(Config.ConfigException.class)
          .hasMessageStartingWith(name);
      assertThatThrownBy(() -> Config.fromEnv(Map.of(name, "many")))
          .hasMessageStartingWith(name);
    }
  }

  @Test
  void content_types_and_limits_are_read_and_checked() {
    Config d = Config.fromEnv(Map.of());
    assertThat(d.content().deniedTypes()).contains("application/x-msdownload", "application/x-elf");
    assertThat(d.content().allowedTypes()).isEmpty();
    assertThat(d.content().typeMaxBytes()).isEmpty();
    Config c =
        Config.fromEnv(
            Map.of(
                "FORGE_DENIED_TYPES", "none",
                "FORGE_ALLOWED_TYPES", "image/*, application/pdf",
                "FORGE_TYPE_MAX_BYTES", "image/*=20971520,video/*=10737418240"));
    assertThat(c.content().deniedTypes()).isEmpty();
    assertThat(c.content().allowedTypes()).containsExactly("image/*", "application/pdf");
    assertThat(c.content().typeMaxBytes())
        .containsEntry("image/*", 20971520L)
        .containsEntry("video/*", 10737418240L);
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_DENIED_TYPES", "exe")))
        .hasMessageStartingWith("FORGE_DENIED_TYPES")
        .hasMessageContaining("'exe'");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_ALLOWED_TYPES", "image/*,")))
        .hasMessageStartingWith("FORGE_ALLOWED_TYPES");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_TYPE_MAX_BYTES", "image/*=-1")))
        .hasMessageStartingWith("FORGE_TYPE_MAX_BYTES")
        .hasMessageNotContaining("\n");
  }
}
