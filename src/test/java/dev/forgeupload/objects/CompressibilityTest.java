package dev.forgeupload.objects;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CompressibilityTest {

  @Test
  void text_structured_data_source_and_uncompressed_images_may_compress() {
    assertThat(Compressibility.typeCompresses("text/plain", "a.log")).isTrue();
    assertThat(Compressibility.typeCompresses("text/csv; charset=utf-8", "x")).isTrue();
    assertThat(Compressibility.typeCompresses("application/json", null)).isTrue();
    assertThat(Compressibility.typeCompresses("application/vnd.api+json", null)).isTrue();
    assertThat(Compressibility.typeCompresses("application/xml", null)).isTrue();
    assertThat(Compressibility.typeCompresses("image/bmp", "scan.bmp")).isTrue();
    assertThat(Compressibility.typeCompresses("image/tiff", "scan.tif")).isTrue();
    assertThat(Compressibility.typeCompresses("IMAGE/SVG+XML", null)).isTrue();
  }

  @Test
  void compressed_media_and_archives_are_kept_as_they_are_whatever_their_name() {
    for (String t : new String[] {"image/jpeg", "image/png", "image/webp", "video/mp4",
        "audio/mpeg", "application/zip", "application/gzip", "application/zstd",
        "application/x-7z-compressed", "application/pdf"}) {
      assertThat(Compressibility.typeCompresses(t, "named.txt")).as(t).isFalse();
    }
  }

  @Test
  void an_unknown_type_is_judged_by_its_extension() {
    assertThat(Compressibility.typeCompresses("application/octet-stream", "server.log")).isTrue();
    assertThat(Compressibility.typeCompresses(null, "Main.java")).isTrue();
    assertThat(Compressibility.typeCompresses("application/octet-stream", "blob.bin")).isFalse();
    assertThat(Compressibility.typeCompresses("application/octet-stream", "dir.log/x")).isFalse();
    assertThat(Compressibility.typeCompresses(null, null)).isFalse();
  }

  @Test
  void the_trial_must_save_at_least_ten_percent() {
    assertThat(Compressibility.saves(1000, 900)).isTrue();
    assertThat(Compressibility.saves(1000, 901)).isFalse();
    assertThat(Compressibility.saves(0, 0)).isFalse();
  }

  @Test
  void random_bytes_named_as_text_fail_the_trial_and_text_passes_it() {
    byte[] noise = new byte[1 << 16];
    new Random(5).nextBytes(noise);
    for (Compression c : new Compression[] {Compression.ZSTD, Compression.LZ4}) {
      assertThat(Compressibility.choose(c, "text/plain", "a.txt", noise, noise.length))
          .isEqualTo(Compression.NONE);
      byte[] text = FrameFormatTest.logText(1 << 16, 1);
      assertThat(Compressibility.choose(c, "text/plain", "a.txt", text, text.length)).isEqualTo(c);
      assertThat(Compressibility.choose(c, "image/jpeg", "a.jpg", text, text.length))
          .isEqualTo(Compression.NONE);
    }
    byte[] text = FrameFormatTest.logText(1 << 16, 1);
    assertThat(Compressibility.choose(Compression.NONE, "text/plain", "a.txt", text, text.length))
        .isEqualTo(Compression.NONE);
  }
}
