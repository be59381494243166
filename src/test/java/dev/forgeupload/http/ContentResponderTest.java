package dev.forgeupload.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ContentResponderTest {

  @Test
  void parses_single_ranges() {
    assertThat(ContentResponder.parseRange("bytes=0-9", 100)).containsExactly(0, 9);
    assertThat(ContentResponder.parseRange("bytes=90-", 100)).containsExactly(90, 99);
    assertThat(ContentResponder.parseRange("bytes=-5", 100)).containsExactly(95, 99);
    assertThat(ContentResponder.parseRange("bytes=50-1000", 100)).containsExactly(50, 99);
    assertThat(ContentResponder.parseRange("bytes=-500", 100)).containsExactly(0, 99);
  }

  @Test
  void unsatisfiable_ranges_are_null_and_other_forms_are_ignored() {
    assertThat(ContentResponder.parseRange("bytes=100-", 100)).isNull();
    assertThat(ContentResponder.parseRange("bytes=9-3", 100)).isNull();
    assertThat(ContentResponder.parseRange("bytes=-0", 100)).isNull();
    assertThat(ContentResponder.parseRange("bytes=0-1,5-6", 100)).isEmpty();
    assertThat(ContentResponder.parseRange("items=0-1", 100)).isEmpty();
  }

  @Test
  void dangerous_types_become_octet_stream() {
    assertThat(ContentResponder.safeType("text/html")).isEqualTo("application/octet-stream");
    assertThat(ContentResponder.safeType("image/svg+xml")).isEqualTo("application/octet-stream");
    assertThat(ContentResponder.safeType("IMAGE/PNG; x=y")).isEqualTo("image/png");
    assertThat(ContentResponder.safeType(null)).isEqualTo("application/octet-stream");
  }

  @Test
  void disposition_escapes_quotes_controls_paths_and_unicode() {
    String d = ContentResponder.disposition("../../etc/\"pass\r\nwd\" ü.txt");
    assertThat(d).doesNotContain("\r").doesNotContain("\n").doesNotContain("..");
    assertThat(d).startsWith("attachment; filename=\"");
    assertThat(d).contains("filename*=UTF-8''");
    assertThat(d).contains("%C3%BC");
    assertThat(d.substring(d.indexOf('"') + 1, d.lastIndexOf("\"; "))).doesNotContain("\"");
    assertThat(ContentResponder.disposition(null)).isEqualTo("attachment");
  }
}
