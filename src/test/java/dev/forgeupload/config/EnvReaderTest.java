package dev.forgeupload.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code FORGE_X_FILE}: a variable's value read from a file (Docker and Kubernetes secrets). */
class EnvReaderTest {
  @TempDir Path dir;

  private Path file(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }

  @Test
  void a_file_variable_gives_the_value_with_its_trailing_newline_trimmed() throws IOException {
    Path secret = file("jwt", "0123456789abcdef0123456789abcdef-secret\n");
    Path pass = file("pass", "  pass word \r\n\n");
    EnvReader r =
        EnvReader.of(
            Map.of(
                "FORGE_AUTH_JWT_SECRET_FILE", secret.toString(),
                "FORGE_DATABASE_PASSWORD_FILE", pass.toString()));
    assertThat(r.optional("FORGE_AUTH_JWT_SECRET"))
        .isEqualTo("0123456789abcdef0123456789abcdef-secret");
    // only line breaks at the end go; spaces inside a password are the password's
    assertThat(r.env().get("FORGE_DATABASE_PASSWORD")).isEqualTo("  pass word ");
    assertThat(r.env()).doesNotContainKeys("FORGE_AUTH_JWT_SECRET_FILE");
  }

  @Test
  void any_forge_variable_may_come_from_a_file_and_is_checked_like_any_other() throws IOException {
    Config c =
        Config.fromEnv(
            Map.of(
                "FORGE_HTTP_PORT_FILE", file("port", "9123\n").toString(),
                "FORGE_DATABASE_URL_FILE", file("db", "jdbc:postgresql://db/forge").toString(),
                "FORGE_S3_ENDPOINT", "http://minio:9000",
                "FORGE_S3_ACCESS_KEY_FILE", file("ak", "forge\n").toString(),
                "FORGE_S3_SECRET_KEY_FILE", file("sk", "s3cret\n").toString()));
    assertThat(c.http().port()).isEqualTo(9123);
    assertThat(c.services().databaseUrl()).isEqualTo("jdbc:postgresql://db/forge");
    assertThat(c.services().s3SecretKey()).isEqualTo("s3cret");
    assertThatThrownBy(
            () -> Config.fromEnv(Map.of("FORGE_HTTP_PORT_FILE", file("bad", "http\n").toString())))
        .hasMessageStartingWith("FORGE_HTTP_PORT must be an integer")
        .hasMessageContaining("'http'");
  }

  @Test
  void both_the_variable_and_its_file_set_stops_start_up_naming_both() throws IOException {
    Path p = file("secret", "from-file\n");
    assertThatThrownBy(
            () ->
                Config.fromEnv(
                    Map.of(
                        "FORGE_AUTH_JWT_SECRET", "direct-value-direct-value-direct-value",
                        "FORGE_AUTH_JWT_SECRET_FILE", p.toString())))
        .isInstanceOf(Config.ConfigException.class)
        .hasMessage(
            "FORGE_AUTH_JWT_SECRET and FORGE_AUTH_JWT_SECRET_FILE are both set: give the value "
                + "one way only")
        .hasMessageNotContaining("from-file")
        .hasMessageNotContaining("direct-value");
  }

  @Test
  void blank_means_unset_on_either_side() throws IOException {
    Path p = file("user", "forge\n");
    assertThat(
            EnvReader.of(Map.of("FORGE_DATABASE_USER", " ", "FORGE_DATABASE_USER_FILE",
                p.toString())).optional("FORGE_DATABASE_USER"))
        .isEqualTo("forge");
    assertThat(
            EnvReader.of(Map.of("FORGE_DATABASE_USER", "direct", "FORGE_DATABASE_USER_FILE", ""))
                .optional("FORGE_DATABASE_USER"))
        .isEqualTo("direct");
  }

  @Test
  void an_unreadable_file_names_the_variable_and_path_never_a_value() throws IOException {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> EnvReader.of(Map.of("FORGE_S3_SECRET_KEY_FILE", missing.toString())))
        .isInstanceOf(Config.ConfigException.class)
        .hasMessageStartingWith("FORGE_S3_SECRET_KEY_FILE: cannot read " + missing);
    assertThatThrownBy(() -> EnvReader.of(Map.of("FORGE_S3_SECRET_KEY_FILE", dir.toString())))
        .hasMessageStartingWith("FORGE_S3_SECRET_KEY_FILE: cannot read " + dir);
    Path latin1 = Files.write(dir.resolve("latin1"), new byte[] {'k', (byte) 0xe9, 'y'});
    assertThatThrownBy(() -> EnvReader.of(Map.of("FORGE_S3_SECRET_KEY_FILE", latin1.toString())))
        .hasMessage("FORGE_S3_SECRET_KEY_FILE: " + latin1 + " is not UTF-8 text");
    Path huge = Files.write(dir.resolve("huge"), new byte[EnvReader.MAX_FILE_BYTES + 1]);
    assertThatThrownBy(() -> EnvReader.of(Map.of("FORGE_S3_SECRET_KEY_FILE", huge.toString())))
        .hasMessageContaining("is larger than");
  }

  @Test
  void only_forge_variables_with_a_name_before_the_suffix_are_file_variables() throws IOException {
    Path p = file("x", "value");
    Map<String, String> env =
        EnvReader.of(Map.of("OTHER_FILE", p.toString(), "FORGE__FILE", p.toString())).env();
    assertThat(env).containsEntry("OTHER_FILE", p.toString()).doesNotContainKey("OTHER");
    assertThat(env).containsEntry("FORGE__FILE", p.toString());
  }

  @Test
  void log_settings_from_files_are_handed_to_logback_and_direct_ones_are_not() throws IOException {
    Path format = file("format", "json\n");
    assertThat(
            Config.loggingFromFiles(
                Map.of("FORGE_LOG_FORMAT_FILE", format.toString(), "FORGE_LOG_LEVEL", "debug")))
        .containsExactly(Map.entry("FORGE_LOG_FORMAT", "json"));
    assertThat(Config.loggingFromFiles(Map.of("FORGE_LOG_FORMAT_FILE", "/nonexistent"))).isEmpty();
  }
}
