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
  @Test
  void the_filename_is_sanitized_but_the_raw_map_keeps_what_was_sent() {
    var m = Metadata.parse("filename " + b64("../../etc/passwd"));
    assertThat(m.get("filename")).isEqualTo("../../etc/passwd");
    assertThat(Metadata.filename(m)).isEqualTo("passwd");
    assertThat(Metadata.sanitizeFilename("C:\\Users\\x\\report.pdf")).isEqualTo("report.pdf");
    assertThat(Metadata.sanitizeFilename("dir/sub\\mixed/name.txt")).isEqualTo("name.txt");
  }

  @Test
  void control_and_bidi_characters_are_removed() {
    // "invoice\u202Egpj.exe" shows as "invoiceexe.jpg"
    assertThat(Metadata.sanitizeFilename("invoice\u202Egpj.exe")).isEqualTo("invoicegpj.exe");
    assertThat(Metadata.sanitizeFilename("a\u200E\u200F\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069b"))
        .isEqualTo("ab");
    assertThat(Metadata.sanitizeFilename("ünï\r\n\t<img>\u007f\u0085.png")).isEqualTo("ünï<img>.png");
    assertThat(Metadata.sanitizeFilename("  spaced name.txt \t")).isEqualTo("spaced name.txt");
  }

  @Test
  void nothing_usable_left_is_null() {
    assertThat(Metadata.sanitizeFilename(null)).isNull();
    assertThat(Metadata.sanitizeFilename("")).isNull();
    assertThat(Metadata.sanitizeFilename(".")).isNull();
    assertThat(Metadata.sanitizeFilename("..")).isNull();
    assertThat(Metadata.sanitizeFilename("a/..")).isNull();
    assertThat(Metadata.sanitizeFilename("dir/")).isNull();
    assertThat(Metadata.sanitizeFilename("\u202E\r\n")).isNull();
  }

  @Test
  void long_names_are_cut_to_255_utf8_bytes_on_a_code_point_boundary() {
    String s = Metadata.sanitizeFilename("名".repeat(100) + ".txt"); // 3 bytes each
    assertThat(s.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255);
    assertThat(s).isEqualTo("名".repeat(85));
    String emoji = Metadata.sanitizeFilename("a" + "\uD83D\uDE00".repeat(100)); // 4 bytes each
    assertThat(emoji.getBytes(StandardCharsets.UTF_8).length).isEqualTo(253);
    assertThat(emoji).isEqualTo("a" + "\uD83D\uDE00".repeat(63));
    assertThat(Metadata.sanitizeFilename("x".repeat(300))).hasSize(255);
  }
}
