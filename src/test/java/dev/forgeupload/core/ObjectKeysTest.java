package dev.forgeupload.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ObjectKeysTest {

  private static Upload upload(String filename) {
    OffsetDateTime t = OffsetDateTime.of(2026, 1, 2, 23, 30, 0, 0, ZoneOffset.ofHours(-5));
    return new Upload(UUID.fromString("11111111-2222-4333-8444-555555555555"), null, filename,
        null, 1L, 1, UploadState.QUEUED, UploadKind.REGULAR, null, Map.of(), null, null, null,
        null, null, t, t, t, null, null);
  }

  @Test
  void key_is_date_id_and_name() {
    assertThat(ObjectKeys.of(upload("report.pdf")))
        .isEqualTo("uploads/2026/01/03/11111111-2222-4333-8444-555555555555/report.pdf");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../../etc/passwd", "/abs/path.txt", "a\u0000b\r\n.txt", "..", ".", "...", "..\\..\\x",
        "<img src=x onerror=alert(1)>.png", "%2e%2e%2fetc", "  ", "\u202Egnp.exe"
      })
  void hostile_names_stay_one_safe_segment(String name) {
    String key = ObjectKeys.of(upload(name));
    String prefix = "uploads/2026/01/03/11111111-2222-4333-8444-555555555555/";
    assertThat(key).startsWith(prefix);
    String segment = key.substring(prefix.length());
    assertThat(segment).isNotEmpty().doesNotContain("/").doesNotContain("\\")
        .doesNotStartWith(".").matches("[\\p{L}\\p{N}._ -]+");
  }

  @Test
  void very_long_names_are_cut_but_keep_their_extension() {
    String name = "x".repeat(1000) + ".tar.gz";
    String safe = ObjectKeys.safeName(name);
    assertThat(safe.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(200);
    assertThat(safe).endsWith(".gz");
    String unicode = "ü".repeat(500) + ".png";
    assertThat(ObjectKeys.safeName(unicode).getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(200);
    assertThat(ObjectKeys.safeName(unicode)).endsWith(".png");
  }

  @Test
  void a_missing_name_becomes_file() {
    assertThat(ObjectKeys.safeName(null)).isEqualTo("file");
    assertThat(ObjectKeys.safeName("///")).isEqualTo("file");
  }
}
