package dev.forgeupload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class MetadataTest {
  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void parses_pairs_and_keys_without_values() {
    var m = Metadata.parse("filename " + b64("a b.txt") + ",is_confidential,filetype " + b64("text/plain"));
    assertThat(m).containsEntry("filename", "a b.txt").containsEntry("is_confidential", "")
        .containsEntry("filetype", "text/plain");
    assertThat(Metadata.filename(m)).isEqualTo("a b.txt");
    assertThat(Metadata.contentType(m)).isEqualTo("text/plain");
  }

  @Test
  void keeps_unicode_and_control_characters_as_data() {
    var m = Metadata.parse("filename " + b64("ünï\r\n<img>.png"));
    assertThat(m.get("filename")).isEqualTo("ünï\r\n<img>.png");
  }

  @Test
  void nul_becomes_the_replacement_character_because_postgresql_text_cannot_hold_it() {
    var m = Metadata.parse("filename " + b64("a\u0000b.txt"));
    assertThat(m.get("filename")).isEqualTo("a\uFFFDb.txt");
  }

  @Test
  void rejects_bad_base64_repeated_keys_and_empty_pairs() {
    assertThatThrownBy(() -> Metadata.parse("filename !!!")).hasMessageContaining("base64");
    assertThatThrownBy(() -> Metadata.parse("a " + b64("1") + ",a " + b64("2")))
        .hasMessageContaining("repeated");
    assertThatThrownBy(() -> Metadata.parse("a " + b64("1") + ",,")).hasMessageContaining("empty");
    assertThatThrownBy(() -> Metadata.parse("ké " + b64("1"))).hasMessageContaining("invalid");
  }
}
