package dev.forgeupload.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StagingConfigTest {

  @Test
  void disk_staging_with_ten_thousand_parts_and_no_public_url_by_default() {
    StagingConfig c = Config.fromEnv(Map.of()).staging();
    assertThat(c.mode()).isEqualTo("disk");
    assertThat(c.s3()).isFalse();
    assertThat(c.maxParts()).isEqualTo(10_000);
    assertThat(c.orphanAge()).isEqualTo(Duration.ofDays(1));
    assertThat(c.publicUrl()).isNull();
  }

  @Test
  void s3_staging_a_part_limit_and_a_public_url_are_read() {
    StagingConfig c = Config.fromEnv(Map.of("FORGE_STAGING", "s3", "FORGE_S3_MAX_PARTS", "1000",
        "FORGE_PUBLIC_URL", "https://uploads.example.com/")).staging();
    assertThat(c.s3()).isTrue();
    assertThat(c.maxParts()).isEqualTo(1000);
    assertThat(c.publicUrl()).isEqualTo("https://uploads.example.com");
  }

  @Test
  void bad_values_stop_start_up_naming_the_variable() {
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_STAGING", "nfs")))
        .isInstanceOf(Config.ConfigException.class).hasMessageContaining("FORGE_STAGING");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_S3_MAX_PARTS", "10001")))
        .isInstanceOf(Config.ConfigException.class).hasMessageContaining("FORGE_S3_MAX_PARTS");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_S3_MAX_PARTS", "0")))
        .isInstanceOf(Config.ConfigException.class).hasMessageContaining("FORGE_S3_MAX_PARTS");
    for (String bad : new String[] {"uploads.example.com", "ftp://x", "https://x/?a=1",
        "https://u:p@x", "https://x/#f", "http://"}) {
      assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_PUBLIC_URL", bad)))
          .as(bad).isInstanceOf(Config.ConfigException.class)
          .hasMessageContaining("FORGE_PUBLIC_URL");
    }
  }
}
