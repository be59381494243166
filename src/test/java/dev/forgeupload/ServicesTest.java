package dev.forgeupload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.config.Config;
import dev.forgeupload.config.ServicesConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a production build (or a worker without a server) says is missing: only what is. */
class ServicesTest {
  private static ServicesConfig services(String... names) {
    Map<String, String> env = new HashMap<>();
    for (String n : names) {
      switch (n) {
        case "db" -> env.put("FORGE_DATABASE_URL", "jdbc:postgresql://db/forge");
        case "redis" -> env.put("FORGE_REDIS_URL", "redis://redis:6379");
        case "s3" -> {
          env.put("FORGE_S3_ENDPOINT", "http://minio:9000");
          env.put("FORGE_S3_ACCESS_KEY", "k");
          env.put("FORGE_S3_SECRET_KEY", "s");
        }
        default -> throw new IllegalArgumentException(n);
      }
    }
    return Config.fromEnv(env).services();
  }

  @Test
  void the_missing_services_are_named_and_the_configured_ones_are_not() {
    assertThat(Services.missing(services()))
        .isEqualTo("FORGE_DATABASE_URL, FORGE_REDIS_URL and FORGE_S3_ENDPOINT");
    assertThat(Services.missing(services("db", "redis"))).isEqualTo("FORGE_S3_ENDPOINT");
    assertThat(Services.missing(services("redis", "s3"))).isEqualTo("FORGE_DATABASE_URL");
    assertThat(Services.missing(services("db"))).isEqualTo("FORGE_REDIS_URL and FORGE_S3_ENDPOINT");
    assertThat(Services.missing(services("db", "redis", "s3"))).isEmpty();
  }

  @Test
  void this_build_is_the_embedded_one() {
    // the production build's side is checked by scripts/check-profiles on the real artifact
    assertThat(Services.embeddedBuild()).isTrue();
  }
}
