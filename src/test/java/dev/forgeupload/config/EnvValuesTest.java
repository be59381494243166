package dev.forgeupload.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How values are read: blanks, bounds (inclusive), booleans, lists, and the described config. */
class EnvValuesTest {

  @Test
  void a_blank_value_is_unset_and_values_are_trimmed() {
    Config c = Config.fromEnv(Map.of("FORGE_HTTP_PORT", "  ", "FORGE_S3_REGION", " eu-1 "));
    assertThat(c.http().port()).isEqualTo(8080);
    assertThat(c.services().s3Region()).isEqualTo("eu-1");
  }

  @Test
  void integer_bounds_are_inclusive() {
    assertThat(Config.fromEnv(Map.of("FORGE_HTTP_PORT", "0")).http().port()).isZero();
    assertThat(Config.fromEnv(Map.of("FORGE_HTTP_PORT", "65535")).http().port()).isEqualTo(65535);
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_HTTP_PORT", "65536")))
        .hasMessage("FORGE_HTTP_PORT must be an integer between 0 and 65535, got '65536'");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_HTTP_PORT", "-1")))
        .hasMessage("FORGE_HTTP_PORT must be an integer between 0 and 65535, got '-1'");
    assertThat(Config.fromEnv(Map.of("FORGE_MAX_UPLOAD_BYTES", "1")).limits().maxUploadBytes())
        .isEqualTo(1);
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_MAX_UPLOAD_BYTES", "0")))
        .hasMessageStartingWith("FORGE_MAX_UPLOAD_BYTES");
  }

  @Test
  void durations_are_seconds_up_to_ten_years() {
    long tenYears = 10L * 365 * 24 * 3600;
    assertThat(Config.fromEnv(Map.of("FORGE_UPLOAD_EXPIRY_SECONDS", String.valueOf(tenYears)))
        .uploads().uploadExpiry()).isEqualTo(Duration.ofSeconds(tenYears));
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_UPLOAD_EXPIRY_SECONDS",
        String.valueOf(tenYears + 1)))).hasMessageStartingWith("FORGE_UPLOAD_EXPIRY_SECONDS");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_READ_TIMEOUT_SECONDS", "0")))
        .hasMessageStartingWith("FORGE_READ_TIMEOUT_SECONDS");
  }

  @Test
  void booleans_are_true_1_yes_or_false_0_no_in_any_case() {
    for (String t : new String[] {"true", "TRUE", "1", "yes", "Yes"}) {
      assertThat(Config.fromEnv(Map.of("FORGE_TRUST_PROXY", t)).http().trustProxy()).as(t)
          .isTrue();
    }
    for (String f : new String[] {"false", "False", "0", "no", "NO"}) {
      assertThat(Config.fromEnv(Map.of("FORGE_TRUST_PROXY", f)).http().trustProxy()).as(f)
          .isFalse();
    }
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_TRUST_PROXY", "on")))
        .hasMessage("FORGE_TRUST_PROXY must be true or false, got 'on'");
  }

  @Test
  void type_lists_none_and_limits() {
    assertThat(Config.fromEnv(Map.of("FORGE_DENIED_TYPES", "NONE")).content().deniedTypes())
        .isEmpty();
    assertThat(Config.fromEnv(Map.of("FORGE_DENIED_TYPES", "application/x-sh")).content()
        .deniedTypes()).containsExactly("application/x-sh");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_ALLOWED_TYPES", "png")))
        .hasMessage("FORGE_ALLOWED_TYPES: 'png' is not a media type, type/* or type/prefix* "
            + "pattern, got 'png'");
    assertThat(Config.fromEnv(Map.of("FORGE_TYPE_MAX_BYTES", "image/png=5")).content()
        .typeMaxBytes()).containsExactly(Map.entry("image/png", 5L));
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_TYPE_MAX_BYTES", "image/png")))
        .hasMessage("FORGE_TYPE_MAX_BYTES: entry 'image/png' is not type=bytes, got 'image/png'");
  }

  @Test
  void log_settings_are_checked_exactly() {
    assertThat(Config.fromEnv(Map.of("FORGE_LOG_FORMAT", "text", "FORGE_LOG_LEVEL", "WARN")))
        .isNotNull();
    assertThat(Config.fromEnv(Map.of("FORGE_LOG_FORMAT", ""))).isNotNull();
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_LOG_FORMAT", "json ")))
        .hasMessage("FORGE_LOG_FORMAT must be exactly text or json (lower case, no spaces), got "
            + "'json '");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_LOG_LEVEL", "verbose")))
        .hasMessage("FORGE_LOG_LEVEL must be one of trace|debug|info|warn|error, got 'verbose'");
  }

  @Test
  void the_connection_cap_leaves_64_connections_beside_the_streams() {
    assertThat(limits(Map.of("FORGE_MAX_EVENT_STREAMS_PER_ADDRESS", "10",
        "FORGE_MAX_CONNECTIONS_PER_ADDRESS", "73")).effectiveConnectionsPerAddress())
        .isEqualTo(74);
    assertThat(limits(Map.of("FORGE_MAX_EVENT_STREAMS_PER_ADDRESS", "10",
        "FORGE_MAX_CONNECTIONS_PER_ADDRESS", "75")).effectiveConnectionsPerAddress())
        .isEqualTo(75);
    assertThat(limits(Map.of("FORGE_MAX_EVENT_STREAMS_PER_ADDRESS", "0",
        "FORGE_MAX_CONNECTIONS_PER_ADDRESS", "3")).effectiveConnectionsPerAddress())
        .isEqualTo(3);
  }

  private static LimitsConfig limits(Map<String, String> env) {
    return Config.fromEnv(env).limits();
  }

  @Test
  void every_area_reads_its_own_variables() {
    Map<String, String> env = new HashMap<>();
    env.put("FORGE_MAX_METADATA_BYTES", "64");
    env.put("FORGE_MAX_CONCAT_PARTS", "7");
    env.put("FORGE_QUOTA_BYTES", "99");
    env.put("FORGE_MAX_ACTIVE_UPLOADS", "3");
    env.put("FORGE_RATE_OWNER_PER_MINUTE", "11");
    env.put("FORGE_RATE_ADDRESS_PER_MINUTE", "12");
    env.put("FORGE_MIN_BODY_BYTES_PER_SECOND", "13");
    env.put("FORGE_CHECKPOINT_SECONDS", "0");
    env.put("FORGE_LOCK_LEASE_SECONDS", "2");
    env.put("FORGE_LOCK_WAIT_SECONDS", "0");
    env.put("FORGE_STALL_SECONDS", "4");
    env.put("FORGE_PROGRESS_INTERVAL_MILLIS", "60000");
    env.put("FORGE_WORKER_CONCURRENCY", "0");
    env.put("FORGE_WORKER_MAX_ATTEMPTS", "1000");
    env.put("FORGE_WORKER_BACKOFF_SECONDS", "0");
    env.put("FORGE_WORKER_CLAIM_IDLE_SECONDS", "1");
    env.put("FORGE_RECONCILE_SECONDS", "9");
    env.put("FORGE_SHUTDOWN_TIMEOUT_SECONDS", "1");
    Config c = Config.fromEnv(env);
    assertThat(c.limits()).isEqualTo(new LimitsConfig(1L << 40, 64, 7, 99, 3, 11, 12, 13, 16, 64,
        256));
    assertThat(c.uploads()).isEqualTo(new UploadConfig(Duration.ofDays(7), Duration.ZERO,
        Duration.ofSeconds(2), Duration.ZERO, Duration.ofSeconds(4), Duration.ofMinutes(1)));
    assertThat(c.worker()).isEqualTo(new WorkerConfig(0, 1000, Duration.ZERO,
        Duration.ofSeconds(1), Duration.ofSeconds(9), java.util.OptionalInt.empty()));
    assertThat(c.http().shutdownTimeout()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void the_described_config_shows_where_services_are_without_secrets() {
    Map<String, String> env = new HashMap<>();
    env.put("FORGE_DATABASE_URL", "jdbc:postgresql://u:pw@db/forge?PASSWORD=x&ssl=true");
    env.put("FORGE_DATABASE_PASSWORD", "hunter2");
    env.put("FORGE_REDIS_URL", "redis://:redispw@cache:6379");
    env.put("FORGE_S3_ENDPOINT", "http://s3:9000");
    env.put("FORGE_S3_ACCESS_KEY", "ak");
    env.put("FORGE_S3_SECRET_KEY", "s3cr3t-sk");
    env.put("FORGE_AUTH", "token");
    env.put("FORGE_HTTP_PORT", "9000");
    Map<String, Object> d = Config.fromEnv(env).describe();
    assertThat(d).containsEntry("http", "127.0.0.1:9000")
        .containsEntry("database", "jdbc:postgresql://***@db/forge?PASSWORD=***&ssl=true")
        .containsEntry("database_password", "***")
        .containsEntry("redis", "redis://***@cache:6379")
        .containsEntry("s3", "http://s3:9000")
        .containsEntry("s3_access_key", "***")
        .containsEntry("auth", "token")
        .containsEntry("auth_jwt", null)
        .containsEntry("denied_types", List.copyOf(dev.forgeupload.core.ContentPolicy.DEFAULT_DENIED));
    assertThat(d.toString()).doesNotContain("s3cr3t").doesNotContain("hunter2");
    Map<String, Object> e = Config.fromEnv(Map.of()).describe();
    assertThat(e).containsEntry("database", "embedded").containsEntry("redis", "embedded")
        .containsEntry("s3", "embedded").containsEntry("s3_access_key", null)
        .containsEntry("database_password", null).containsEntry("auth", "none")
        .containsEntry("max_connections_per_address", 256)
        .containsEntry("quota_bytes", 0L);
  }

  @Test
  void other_services_replace_only_the_services() {
    Config c = Config.fromEnv(Map.of("FORGE_HTTP_PORT", "9001"));
    ServicesConfig other = Config.fromEnv(Map.of("FORGE_REDIS_URL", "redis://x")).services();
    Config joined = c.withServices(other);
    assertThat(joined.services()).isSameAs(other);
    assertThat(joined.http()).isEqualTo(c.http());
    assertThat(joined.limits()).isEqualTo(c.limits());
    assertThat(joined.security()).isEqualTo(c.security());
    assertThat(joined.content()).isEqualTo(c.content());
    assertThat(joined.uploads()).isEqualTo(c.uploads());
    assertThat(joined.worker()).isEqualTo(c.worker());
  }
}
