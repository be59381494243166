package dev.forgeupload.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.core.ContentPolicy.Accepted;
import dev.forgeupload.core.ContentPolicy.Claim;
import dev.forgeupload.core.ContentPolicy.Decision;
import dev.forgeupload.testing.Samples;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The content check's shortcuts and edges: the quick check's answers, the size at which an
 * unclaimed upload gets the full detection, padded scripts, and names that claim a type.
 */
class QuickCheckTest {
  /** Built per test, not once per class: PIT credits a constructor only to the test it ran in. */
  private final ContentPolicy defaults = ContentPolicy.defaults();
  private static final byte[] PNG = Samples.png(4, 4);

  private Decision check(byte[] b, String type, String name, Long length) {
    return defaults.check(b, b.length, new Claim(type, name), length);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void a_claim_its_own_magic_confirms_is_accepted_as_claimed() {
    assertThat(check(PNG, "image/png", null, null))
        .isEqualTo(new Accepted("image/png", "image/png"));
  }

  @Test
  void a_small_unclaimed_upload_is_stored_as_unknown_and_a_large_one_is_detected() {
    long big = ContentPolicy.FULL_DETECTION_MIN_BYTES;
    assertThat(check(PNG, null, null, big - 1)).isEqualTo(new Accepted("unchecked", null));
    assertThat(check(PNG, null, null, null)).isEqualTo(new Accepted("unchecked", null));
    assertThat(check(PNG, null, null, big)).isEqualTo(new Accepted("image/png", "image/png"));
    assertThat(check(PNG, "application/octet-stream", null, 10L))
        .isEqualTo(new Accepted("unchecked", ContentPolicy.OCTET_STREAM));
    assertThat(check(PNG, null, "   ", 10L)).isEqualTo(new Accepted("unchecked", null));
    assertThat(check(PNG, null, "notes.unknownext", 10L))
        .isEqualTo(new Accepted("unchecked", null));
    assertThat(defaults.check(PNG, PNG.length, null, 10L))
        .isEqualTo(new Accepted("unchecked", null));
  }

  @Test
  void the_extension_is_the_claim_when_no_type_is_sent() {
    assertThat(check(PNG, null, "a.png", null)).isEqualTo(new Accepted("image/png", "image/png"));
    assertThat(check(PNG, null, "a.jpg", null)).isInstanceOf(ContentPolicy.Rejected.class);
  }

  @Test
  void scripts_behind_any_ascii_whitespace_are_denied() {
    for (String pad : new String[] {"\u000b", "\f", " \t", "\r\n"}) {
      assertThat(check(ascii(pad + "#!/bin/sh\nid\n"), null, null, null)).as(pad)
          .isInstanceOf(ContentPolicy.Rejected.class);
    }
    assertThat(check(ascii("\u00ef\u00bb\u00bf#!/bin/sh\n"), null, null, null))
        .isInstanceOf(ContentPolicy.Rejected.class);
  }

  @Test
  void short_and_blank_heads_are_text_not_scripts() {
    assertThat(check(ascii("@ech"), null, null, 4L)).isInstanceOf(Accepted.class);
    assertThat(check(ascii("   "), null, null, 3L)).isInstanceOf(Accepted.class);
    assertThat(check(ascii("\u00ef\u00bb\u00bf"), null, null, 3L)).isInstanceOf(Accepted.class);
    assertThat(check(ascii("@echoes of a song"), null, null, null)).isInstanceOf(Accepted.class);
    assertThat(check(ascii("@echo"), null, null, null))
        .isInstanceOf(ContentPolicy.Rejected.class);
  }

  @Test
  void an_executable_behind_a_space_is_no_executable() {
    // padding only uncovers scripts: a PE must start with MZ to be run
    byte[] exe = Samples.windowsExe(600);
    byte[] padded = new byte[601];
    padded[0] = ' ';
    System.arraycopy(exe, 0, padded, 1, 600);
    assertThat(check(padded, null, null, 601L)).isInstanceOf(Accepted.class);
  }

  @Test
  void only_the_first_bytes_given_are_judged() {
    byte[] head = Arrays.copyOf(PNG, PNG.length + 100);
    System.arraycopy(Samples.windowsExe(100), 0, head, PNG.length, 100);
    assertThat(defaults.check(head, PNG.length, new Claim("image/png", null), null))
        .isInstanceOf(Accepted.class);
    assertThat(defaults.checkPart(new byte[0], 0, new Claim(null, null)))
        .isEqualTo(new Accepted("part", ContentPolicy.OCTET_STREAM));
  }

  @Test
  void a_name_that_is_only_an_extension_still_claims_it() {
    assertThat(defaults.checkClaim(new Claim(null, ".exe"))).isPresent();
  }
}
