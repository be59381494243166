package dev.forgeupload.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 17, item 4: the service variables are checked at start-up, each naming itself. */
class ServicesConfigTest {
  private static final Map<String, String> S3 = Map.of(
      "FORGE_S3_ENDPOINT", "http://127.0.0.1:9000",
      "FORGE_S3_ACCESS_KEY", "ak",
      "FORGE_S3_SECRET_KEY", "sk");

  private static ServicesConfig services(Map<String, String> env) {
    return Config.fromEnv(env).services();
  }

  private static Map<String, String> with(Map<String, String> base, String k, String v) {
    Map<String, String> m = new HashMap<>(base);
    m.put(k, v);
    return m;
  }

  @Test
  void a_redis_url_must_be_redis_or_rediss() {
    assertThat(services(Map.of("FORGE_REDIS_URL", "redis://127.0.0.1:6379")).redisUrl())
        .isEqualTo("redis://127.0.0.1:6379");
    assertThat(services(Map.of("FORGE_REDIS_URL", "rediss://cache:6380/0")).embeddedRedis())
        .isFalse();
    for (String bad : new String[] {"http://127.0.0.1:6379", "127.0.0.1:6379", "redis://"}) {
      assertThatThrownBy(() -> services(Map.of("FORGE_REDIS_URL", bad)))
          .isInstanceOf(Config.ConfigException.class)
          .hasMessage("FORGE_REDIS_URL must be a redis:// or rediss:// URL, got '" + bad + "'");
    }
  }

  @Test
  void an_s3_endpoint_must_be_http_and_needs_both_keys() {
    ServicesConfig s = services(S3);
    assertThat(s.s3Endpoint()).isEqualTo("http://127.0.0.1:9000");
    assertThat(s.embeddedS3()).isFalse();
    assertThat(services(with(S3, "FORGE_S3_ENDPOINT", "https://s3.example.com")).s3Endpoint())
        .isEqualTo("https://s3.example.com");
    for (String bad : new String[] {"s3.example.com", "ftp://s3.example.com", "https://"}) {
      assertThatThrownBy(() -> services(with(S3, "FORGE_S3_ENDPOINT", bad)))
          .hasMessage("FORGE_S3_ENDPOINT must be an http:// or https:// URL, got '" + bad + "'");
    }
    for (String missing : new String[] {"FORGE_S3_ACCESS_KEY", "FORGE_S3_SECRET_KEY"}) {
      Map<String, String> env = new HashMap<>(S3);
      env.remove(missing);
      assertThatThrownBy(() -> services(env)).hasMessage(
          "FORGE_S3_ACCESS_KEY and FORGE_S3_SECRET_KEY are required with FORGE_S3_ENDPOINT");
      env.put(missing, " ");
      assertThatThrownBy(() -> services(env)).hasMessageContaining(missing);
    }
    // keys without an endpoint are the embedded S3Proxy's business: allowed
    assertThat(services(Map.of("FORGE_S3_ACCESS_KEY", "ak")).embeddedS3()).isTrue();
  }

  @Test
  void a_bucket_name_follows_the_s3_rules() {
    assertThat(services(Map.of()).s3Bucket()).isEqualTo("forgeupload");
    for (String ok : new String[] {"abc", "my.bucket-1", "a".repeat(63), "0ab"}) {
      assertThat(services(Map.of("FORGE_S3_BUCKET", ok)).s3Bucket()).isEqualTo(ok);
    }
    for (String bad : new String[] {"ab", "a".repeat(64), "Upper", "-ab", "ab-", "a_b", "a b"}) {
      assertThatThrownBy(() -> services(Map.of("FORGE_S3_BUCKET", bad)))
          .as(bad)
          .hasMessage("FORGE_S3_BUCKET must be a valid bucket name, got '" + bad + "'");
    }
  }

  @Test
  void region_and_part_size_have_defaults_and_bounds() {
    ServicesConfig d = services(Map.of());
    assertThat(d.s3Region()).isEqualTo("us-east-1");
    assertThat(d.s3PartBytes()).isEqualTo(16L << 20);
    assertThat(services(Map.of("FORGE_S3_REGION", "eu-west-3")).s3Region()).isEqualTo("eu-west-3");
    assertThat(services(Map.of("FORGE_S3_PART_BYTES", String.valueOf(5L << 20))).s3PartBytes())
        .isEqualTo(5L << 20);
    assertThat(services(Map.of("FORGE_S3_PART_BYTES", String.valueOf(5L << 30))).s3PartBytes())
        .isEqualTo(5L << 30);
    assertThatThrownBy(() -> services(Map.of("FORGE_S3_PART_BYTES",
        String.valueOf((5L << 20) - 1)))).hasMessageStartingWith("FORGE_S3_PART_BYTES");
    assertThatThrownBy(() -> services(Map.of("FORGE_S3_PART_BYTES",
        String.valueOf((5L << 30) + 1)))).hasMessageStartingWith("FORGE_S3_PART_BYTES");
  }

  @Test
  void what_is_embedded_follows_what_is_configured() {
    ServicesConfig d = services(Map.of("FORGE_DATA_DIR", "/tmp/forge-x/../forge-y"));
    assertThat(d.embeddedDatabase()).isTrue();
    assertThat(d.embeddedRedis()).isTrue();
    assertThat(d.embeddedS3()).isTrue();
    assertThat(d.anyEmbedded()).isTrue();
    assertThat(d.dataDir()).hasToString("/tmp/forge-y");
    assertThat(d.stagingDir()).hasToString("/tmp/forge-y/staging");
    Map<String, String> all = new HashMap<>(S3);
    all.put("FORGE_DATABASE_URL", "jdbc:postgresql://db/forge");
    all.put("FORGE_DATABASE_USER", "forge");
    all.put("FORGE_DATABASE_PASSWORD", "pw");
    all.put("FORGE_REDIS_URL", "redis://cache:6379");
    ServicesConfig real = services(all);
    assertThat(real.anyEmbedded()).isFalse();
    assertThat(real.databaseUser()).isEqualTo("forge");
    assertThat(real.databasePassword()).isEqualTo("pw");
    assertThat(real.s3AccessKey()).isEqualTo("ak");
    assertThat(real.s3SecretKey()).isEqualTo("sk");
    assertThat(services(Map.of("FORGE_REDIS_URL", "redis://c")).anyEmbedded()).isTrue();
    assertThat(services(with(S3, "FORGE_REDIS_URL", "redis://c")).anyEmbedded()).isTrue();
    assertThat(services(Map.of("FORGE_DATABASE_URL", "jdbc:postgresql://db/f",
        "FORGE_REDIS_URL", "redis://c")).anyEmbedded()).as("S3 alone embedded").isTrue();
  }

  @Test
  void joining_takes_the_running_servers_services_for_those_not_configured() {
    ServicesConfig mine = services(Map.of("FORGE_REDIS_URL", "redis://mine:6379"));
    ServicesConfig joined = mine.joining(Map.of(
        "FORGE_DATABASE_URL", " jdbc:postgresql://127.0.0.1:5555/forge ",
        "FORGE_DATABASE_USER", "postgres",
        "FORGE_REDIS_URL", "redis://theirs:6379",
        "FORGE_S3_ENDPOINT", "http://127.0.0.1:9999",
        "FORGE_S3_ACCESS_KEY", "a",
        "FORGE_S3_SECRET_KEY", "s"));
    assertThat(joined.databaseUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5555/forge");
    assertThat(joined.databaseUser()).isEqualTo("postgres");
    assertThat(joined.redisUrl()).as("what is configured here wins").isEqualTo("redis://mine:6379");
    assertThat(joined.s3Endpoint()).isEqualTo("http://127.0.0.1:9999");
    assertThat(joined.s3AccessKey()).isEqualTo("a");
    assertThat(joined.s3SecretKey()).isEqualTo("s");
    assertThat(joined.dataDir()).isEqualTo(mine.dataDir());
    assertThat(joined.s3Bucket()).isEqualTo(mine.s3Bucket());
    assertThat(joined.databasePoolSize()).isEqualTo(mine.databasePoolSize());
    ServicesConfig blank = mine.joining(Map.of("FORGE_DATABASE_URL", " "));
    assertThat(blank.databaseUrl()).isNull();
    assertThatThrownBy(() -> services(Map.of()).joining(Map.of("FORGE_REDIS_URL", "tcp://x")))
        .hasMessageStartingWith("FORGE_REDIS_URL");
  }
}
