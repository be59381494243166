package dev.forgeupload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.core.ContentPolicy.Accepted;
import dev.forgeupload.core.ContentPolicy.Claim;
import dev.forgeupload.core.ContentPolicy.Decision;
import dev.forgeupload.core.ContentPolicy.Rejected;
import dev.forgeupload.testing.Samples;
import dev.forgeupload.testing.TestData;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContentPolicyTest {
  private static final ContentPolicy DEFAULTS = ContentPolicy.defaults();

  private static Decision check(ContentPolicy p, byte[] bytes, String type, String name) {
    return p.check(bytes, bytes.length, new Claim(type, name), (long) bytes.length);
  }

  private static Rejected rejected(Decision d) {
    assertThat(d).isInstanceOf(Rejected.class);
    return (Rejected) d;
  }

  private static Accepted accepted(Decision d) {
    assertThat(d).isInstanceOf(Accepted.class);
    return (Accepted) d;
  }

  @Test
  void magic_detection_names_real_prefixes() {
    assertThat(ContentPolicy.detect(Samples.windowsExe(600), 600).getBaseType().toString())
        .isEqualTo("application/x-msdownload");
    assertThat(detect(Samples.elfExecutable())).isEqualTo("application/x-executable");
    assertThat(detect(Samples.machO())).isEqualTo("application/x-mach-o-executable");
    assertThat(detect(Samples.png(4, 4))).isEqualTo("image/png");
    assertThat(detect(Samples.jpeg(8, 8))).isEqualTo("image/jpeg");
    assertThat(detect(Samples.gif(4, 4))).isEqualTo("image/gif");
    assertThat(detect(Samples.pdf())).isEqualTo("application/pdf");
    assertThat(detect(Samples.zip())).isEqualTo("application/zip");
    assertThat(detect(Samples.text("hello world\n"))).isEqualTo("text/plain");
    assertThat(detect(TestData.randomBytes(1000, 1))).isEqualTo("application/octet-stream");
  }

  private static String detect(byte[] b) {
    return ContentPolicy.detect(b, b.length).toString();
  }

  @Test
  void a_renamed_windows_executable_claimed_as_jpeg_is_rejected_for_the_mismatch() {
    Rejected r = rejected(check(DEFAULTS, Samples.windowsExe(4096), "image/jpeg", "evil.jpg"));
    assertThat(r.status()).isEqualTo(415);
    assertThat(r.code()).isEqualTo("content_rejected");
    assertThat(r.reason())
        .isEqualTo("content is application/x-msdownload, not image/jpeg as claimed");
  }

  @Test
  void without_a_type_the_extension_is_the_claim() {
    Rejected r = rejected(check(DEFAULTS, Samples.windowsExe(4096), null, "holiday.JPG"));
    assertThat(r.reason()).contains("not image/jpeg as claimed");
    // the name never steers detection, but a name of a denied type is refused for itself
    assertThat(rejected(check(DEFAULTS, Samples.png(4, 4), null, "setup.exe")).reason())
        .isEqualTo("files named *.exe (application/x-dosexec) are not accepted here");
  }

  @Test
  void a_claim_of_a_denied_type_is_refused_whatever_the_bytes_and_without_any() {
    byte[] words = Samples.text("echo pwned\n");
    for (String type :
        List.of("application/x-sh", "APPLICATION/X-SH; charset=utf-8", "application/bat",
            "application/x-bat", "application/x-msdownload; format=pe32",
            "application/x-dosexec", "application/x-executable", "application/x-msi")) {
      Rejected r = rejected(check(DEFAULTS, words, type, "notes.txt"));
      assertThat(r.status()).isEqualTo(415);
      assertThat(r.code()).isEqualTo("content_rejected");
      assertThat(r.reason()).startsWith("the claimed type ").endsWith(" is not accepted here");
      assertThat(DEFAULTS.checkClaim(new Claim(type, null))).as(type).isPresent();
      // an empty upload is refused for its claim too
      assertThat(DEFAULTS.check(new byte[0], 0, new Claim(type, null), 0L))
          .as(type).isInstanceOf(Rejected.class);
    }
    assertThat(rejected(check(DEFAULTS, words, "application/x-sh", null)).reason())
        .isEqualTo("the claimed type application/x-sh is not accepted here");
    for (String name :
        List.of("evil.exe", "EVIL.EXE", "a.dll", "a.com", "setup.msi", "run.bat", "run.CMD",
            "x.sh", "x.bash", "x.zsh", "x.csh", "saver.scr", "old.pif", "x.cpl", "lib.so",
            "lib.dylib", "open.command", "photo.jpg.exe", "trailing.exe.", "spaced.bat .. ")) {
      assertThat(DEFAULTS.checkClaim(new Claim(null, name))).as(name).isPresent();
      assertThat(DEFAULTS.checkClaim(new Claim("image/png", name))).as(name).isPresent();
      assertThat(check(DEFAULTS, words, null, name)).as(name).isInstanceOf(Rejected.class);
    }
    assertThat(DEFAULTS.checkClaim(new Claim(null, "run.bat")).orElseThrow().reason())
        .isEqualTo("files named *.bat (application/x-bat) are not accepted here");
    // other script languages and ordinary names are not on the default list
    for (String name :
        List.of("app.js", "x.ps1", "x.vbs", "x.py", "exe", "notes.txt", "a.tar.gz", "x.",
            "archive.exe.zip")) {
      assertThat(DEFAULTS.checkClaim(new Claim(null, name))).as(name).isEmpty();
    }
    assertThat(DEFAULTS.checkClaim(new Claim("text/plain", "a.txt"))).isEmpty();
    assertThat(DEFAULTS.checkClaim(new Claim("not a type", null))).isEmpty();
    assertThat(DEFAULTS.checkClaim(null)).isEmpty();
    // the list decides: without one, any claim may stand; with text/* denied, a .csv is refused
    ContentPolicy open = new ContentPolicy(List.of(), List.of(), Map.of());
    assertThat(open.checkClaim(new Claim("application/x-sh", "x.exe"))).isEmpty();
    ContentPolicy noText = new ContentPolicy(List.of("text/*"), List.of(), Map.of());
    assertThat(noText.checkClaim(new Claim(null, "t.csv"))).isPresent();
  }

  @Test
  void scripts_behind_a_byte_order_mark_or_whitespace_and_batch_starts_tika_misses_are_denied() {
    for (String script :
        List.of("\uFEFF#!/bin/sh\nrm -rf /\n", " #!/bin/sh\n", "\n\t#!/usr/bin/env bash\n",
            "\uFEFF@echo off\r\n", "\r\n@echo off\r\ndel *\r\n", "  rem x\r\n",
            "@ECHO ON\r\n", "@echo.\r\n", "echo off\r\n", "ECHO OFF", "@rem hello\r\n",
            "\uFEFF eval \"exec perl\"")) {
      Rejected r = rejected(check(DEFAULTS, Samples.text(script), null, null));
      assertThat(r.reason()).as(script).matches(
          "content is application/x-(sh|bat), which is not accepted here");
      assertThat(check(DEFAULTS, Samples.text(script), "text/plain", "notes.txt"))
          .as(script).isInstanceOf(Rejected.class);
    }
    for (String text :
        List.of("\uFEFFhello\n", "   indented words\n", "echo is a word\n", "echo offers\n",
            "remember this\n", "# a heading\n#!/not at the start\n", "@echoes\n")) {
      assertThat(check(DEFAULTS, Samples.text(text), null, null)).as(text)
          .isInstanceOf(Accepted.class);
    }
    // only the denied types: without a deny list a padded script is text
    ContentPolicy open = new ContentPolicy(List.of(), List.of(), Map.of());
    assertThat(check(open, Samples.text(" #!/bin/sh\n"), null, null)).isInstanceOf(Accepted.class);
  }

  @Test
  void an_empty_upload_is_octet_stream_whatever_it_claims() {
    for (String type : List.of("image/jpeg", "text/html", "application/pdf")) {
      Accepted a = accepted(DEFAULTS.check(new byte[0], 0, new Claim(type, "a.jpg"), 0L));
      assertThat(a.contentType()).isEqualTo("application/octet-stream");
    }
    assertThat(accepted(DEFAULTS.check(new byte[0], 0, null, null)).contentType())
        .isEqualTo("application/octet-stream");
  }

  @Test
  void a_part_is_refused_for_binary_executable_signatures_but_not_for_what_starts_parts_at_random() {
    for (byte[] exe :
        List.of(Samples.windowsExe(4096), Samples.elfExecutable(), Samples.machO())) {
      Rejected r = rejected(DEFAULTS.checkPart(exe, exe.length, new Claim("image/jpeg", "a.jpg")));
      assertThat(r.status()).isEqualTo(415);
      assertThat(r.reason()).startsWith("part content is application/x-")
          .endsWith(", which is not accepted here");
    }
    // a bare "MZ" (one part in 65536 of compressed data starts so) and script starts are no
    // signature in the middle of a file; the final's check sees its real start
    byte[] mz = TestData.randomBytes(5000, 9);
    mz[0] = 'M';
    mz[1] = 'Z';
    assertThat(ContentPolicy.detect(mz, mz.length).toString()).isEqualTo("application/x-msdownload");
    assertThat(rejected(check(DEFAULTS, mz, null, null)).reason()).contains("x-msdownload");
    for (byte[] part :
        List.of(mz, Samples.text("#!/bin/sh\n"), Samples.text("rem ipsum dolor\n"),
            Samples.text("@echo off\r\n"), TestData.randomBytes(3000, 2), Samples.png(4, 4),
            new byte[0])) {
      Accepted a = accepted(DEFAULTS.checkPart(part, part.length, new Claim("image/png", null)));
      assertThat(a.contentType()).as("a part is opaque").isEqualTo("application/octet-stream");
    }
    // the claim is checked as for any upload
    assertThat(rejected(DEFAULTS.checkPart(new byte[10], 10, new Claim(null, "x.exe"))).reason())
        .contains("*.exe");
    // a PE header after the first 64 KiB of the part is not seen
    byte[] late = new byte[ContentPolicy.SNIFF_BYTES + 1024];
    System.arraycopy(Samples.windowsExe(512), 0, late, ContentPolicy.SNIFF_BYTES, 512);
    assertThat(DEFAULTS.checkPart(late, late.length, null)).isInstanceOf(Accepted.class);
  }

  @Test
  void executables_are_denied_by_default_whatever_the_claim() {
    for (byte[] exe :
        List.of(Samples.windowsExe(1024), Samples.elfExecutable(), Samples.machO(),
            Samples.text("#!/bin/sh\nrm -rf /\n"), Samples.text("@echo off\r\ndel *\r\n"))) {
      Rejected r = rejected(check(DEFAULTS, exe, null, null));
      assertThat(r.status()).isEqualTo(415);
      assertThat(r.reason()).endsWith("which is not accepted here");
      // a claim of application/octet-stream cannot be checked, the deny list still applies
      assertThat(check(DEFAULTS, exe, "application/octet-stream", "blob.bin"))
          .isInstanceOf(Rejected.class);
    }
  }

  @Test
  void an_empty_deny_list_lets_an_executable_through_as_what_it_is() {
    ContentPolicy open = new ContentPolicy(List.of(), List.of(), Map.of());
    Accepted a = accepted(check(open, Samples.windowsExe(1024), null, "tool.exe"));
    assertThat(a.detected()).isEqualTo("application/x-msdownload");
    assertThat(a.contentType())
        .as("the name's type is a specialization of what was detected: kept")
        .isEqualTo("application/x-dosexec");
  }

  @Test
  void matching_claims_are_accepted_and_the_detected_type_is_stored() {
    assertThat(accepted(check(DEFAULTS, Samples.png(4, 4), "image/png", "a.png")).contentType())
        .isEqualTo("image/png");
    assertThat(accepted(check(DEFAULTS, Samples.jpeg(8, 8), "image/jpg", "a.jpeg")).contentType())
        .as("image/jpg is Tika's alias of image/jpeg")
        .isEqualTo("image/jpeg");
    assertThat(accepted(check(DEFAULTS, Samples.gif(4, 4), null, "a.gif")).contentType())
        .isEqualTo("image/gif");
    assertThat(accepted(check(DEFAULTS, Samples.pdf(), "application/pdf", null)).contentType())
        .isEqualTo("application/pdf");
    assertThat(accepted(check(DEFAULTS, Samples.zip(), null, "bundle.zip")).contentType())
        .isEqualTo("application/zip");
    // no claim at all on a large upload: what the bytes are
    byte[] png = Samples.png(4, 4);
    assertThat(accepted(DEFAULTS.check(png, png.length, new Claim(null, null), 5L << 20))
        .contentType()).isEqualTo("image/png");
    // ... on a small one the full detection is skipped: unknown, served as octet-stream
    assertThat(accepted(check(DEFAULTS, png, null, null)).contentType()).isNull();
    // and an executable is caught either way
    assertThat(rejected(check(DEFAULTS, Samples.windowsExe(4096), null, null)).reason())
        .contains("application/x-msdownload");
  }

  @Test
  void a_claim_that_specializes_the_detected_type_is_kept() {
    byte[] csv = Samples.text("name,size\na,1\nb,2\n");
    Accepted a = accepted(check(DEFAULTS, csv, "text/csv", "t.csv"));
    assertThat(a.detected()).isEqualTo("text/plain");
    assertThat(a.contentType()).isEqualTo("text/csv");
    assertThat(accepted(check(DEFAULTS, csv, null, "t.csv")).contentType()).isEqualTo("text/csv");
    // a docx is a zip to magic alone: the claim is a specialization, kept
    String docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    assertThat(accepted(check(DEFAULTS, Samples.zip(), docx, "r.docx")).contentType())
        .isEqualTo(docx);
  }

  @Test
  void claims_magic_cannot_check_are_no_mismatch_but_unknown_bytes_are_stored_as_such() {
    byte[] random = TestData.randomBytes(2000, 7);
    Accepted a = accepted(check(DEFAULTS, random, "application/x-custom-thing", "x.thing"));
    assertThat(a.contentType()).isEqualTo("application/octet-stream");
    assertThat(accepted(check(DEFAULTS, random, "application/octet-stream", null)).contentType())
        .isEqualTo("application/octet-stream");
    // text/plain is recognised by a heuristic, not magic: a binary "notes.txt" is not refused,
    // but it is stored and served as octet-stream
    assertThat(accepted(check(DEFAULTS, random, null, "notes.txt")).contentType())
        .isEqualTo("application/octet-stream");
    assertThat(accepted(check(DEFAULTS, random, "text/plain", null)).contentType())
        .isEqualTo("application/octet-stream");
  }

  @Test
  void mismatches_are_rejected() {
    assertThat(rejected(check(DEFAULTS, Samples.text("just some words\n"), "image/jpeg", "a.jpg"))
            .reason())
        .isEqualTo("content is text/plain, not image/jpeg as claimed");
    assertThat(rejected(check(DEFAULTS, Samples.png(4, 4), "image/jpeg", null)).reason())
        .isEqualTo("content is image/png, not image/jpeg as claimed");
    assertThat(rejected(check(DEFAULTS, TestData.randomBytes(500, 3), "image/png", null)).reason())
        .as("random bytes are not a PNG: octet-stream is no generalization that counts")
        .isEqualTo("content is application/octet-stream, not image/png as claimed");
    assertThat(rejected(check(DEFAULTS, Samples.pdf(), null, "scan.png")).reason())
        .isEqualTo("content is application/pdf, not image/png as claimed");
  }

  @Test
  void deny_list_wildcards_and_supertypes() {
    ContentPolicy noImages = new ContentPolicy(List.of("image/*"), List.of(), Map.of());
    assertThat(rejected(check(noImages, Samples.gif(4, 4), null, null)).reason())
        .isEqualTo("content is image/gif, which is not accepted here");
    assertThat(check(noImages, Samples.pdf(), null, null)).isInstanceOf(Accepted.class);
    // text/plain denies CSV (detected as text/plain) and shell scripts (a text/plain subtype)
    ContentPolicy noText = new ContentPolicy(List.of("text/plain"), List.of(), Map.of());
    assertThat(check(noText, Samples.text("#!/bin/sh\n"), null, null)).isInstanceOf(Rejected.class);
    assertThat(check(noText, Samples.png(4, 4), null, null)).isInstanceOf(Accepted.class);
    // a prefix pattern
    ContentPolicy noMachO = new ContentPolicy(List.of("application/x-mach-o*"), List.of(), Map.of());
    assertThat(check(noMachO, Samples.machO(), null, null)).isInstanceOf(Rejected.class);
    assertThat(check(noMachO, Samples.elfExecutable(), null, null)).isInstanceOf(Accepted.class);
  }

  @Test
  void an_allow_list_admits_only_its_types() {
    ContentPolicy images =
        new ContentPolicy(ContentPolicy.DEFAULT_DENIED, List.of("image/*", "application/pdf"),
            Map.of());
    assertThat(check(images, Samples.png(4, 4), null, null)).isInstanceOf(Accepted.class);
    assertThat(check(images, Samples.pdf(), null, null)).isInstanceOf(Accepted.class);
    Rejected zip = rejected(check(images, Samples.zip(), null, null));
    assertThat(zip.status()).isEqualTo(415);
    assertThat(zip.reason()).isEqualTo("content is application/zip, which is not among the allowed types");
    // a supertype on the list admits its subtypes: text/plain admits a shell script...
    ContentPolicy text = new ContentPolicy(List.of(), List.of("text/plain"), Map.of());
    assertThat(check(text, Samples.text("#!/bin/sh\n"), null, null)).isInstanceOf(Accepted.class);
    // ...but the deny list is checked first
    ContentPolicy textNoSh =
        new ContentPolicy(ContentPolicy.DEFAULT_DENIED, List.of("text/plain"), Map.of());
    assertThat(check(textNoSh, Samples.text("#!/bin/sh\n"), null, null))
        .isInstanceOf(Rejected.class);
  }

  @Test
  void per_type_size_limits_apply_to_known_lengths() {
    ContentPolicy limits =
        new ContentPolicy(
            List.of(), List.of(), Map.of("image/*", 1000L, "image/gif", 5000L, "text/*", 10L));
    byte[] png = Samples.png(4, 4);
    Rejected big = rejected(limits.check(png, png.length, new Claim(null, null), 1001L));
    assertThat(big.status()).isEqualTo(413);
    assertThat(big.code()).isEqualTo("content_too_large");
    assertThat(big.reason()).isEqualTo(
        "content is image/png of 1001 bytes; the limit for it is 1000 bytes");
    assertThat(limits.check(png, png.length, new Claim(null, null), 1000L))
        .isInstanceOf(Accepted.class);
    assertThat(limits.check(png, png.length, new Claim(null, null), null))
        .as("an unknown length is not limited here").isInstanceOf(Accepted.class);
    byte[] gif = Samples.gif(4, 4);
    assertThat(limits.check(gif, gif.length, new Claim(null, null), 4000L))
        .as("the exact entry wins over image/*").isInstanceOf(Accepted.class);
    byte[] csv = Samples.text("a,b\n1,2\n");
    assertThat(limits.check(csv, csv.length, new Claim("text/csv", null), 11L))
        .as("text/csv, detected text/plain, falls under text/*").isInstanceOf(Rejected.class);
    assertThat(limits.checkLength("image/png", 1001)).isPresent();
    assertThat(limits.checkLength("application/pdf", 1L << 40)).isEmpty();
  }

  @Test
  void only_the_sniffed_prefix_is_examined() {
    byte[] exe = Samples.windowsExe(ContentPolicy.SNIFF_BYTES + 5000);
    assertThat(check(DEFAULTS, exe, null, null)).isInstanceOf(Rejected.class);
    // a PE header after the first 64 KiB is not seen
    byte[] late = new byte[ContentPolicy.SNIFF_BYTES + 1024];
    System.arraycopy(Samples.windowsExe(512), 0, late, ContentPolicy.SNIFF_BYTES, 512);
    assertThat(ContentPolicy.detect(late, late.length).toString()).isNotEqualTo(
        "application/x-msdownload");
  }

  @Test
  void configuration_syntax_is_checked() {
    assertThat(TypePatterns.parseTypes(" image/* , Application/PDF,application/x-mach-o*"))
        .containsExactly("image/*", "application/pdf", "application/x-mach-o*");
    assertThat(TypePatterns.parseLimits("image/*=20971520, video/mp4=10"))
        .containsEntry("image/*", 20971520L)
        .containsEntry("video/mp4", 10L);
    assertThatThrownBy(() -> TypePatterns.parseTypes("image")).hasMessageContaining("'image'");
    assertThatThrownBy(() -> TypePatterns.parseTypes("image/png,,text/plain"))
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> TypePatterns.parseTypes("*/png")).isInstanceOf(
        IllegalArgumentException.class);
    assertThatThrownBy(() -> TypePatterns.parseLimits("image/*")).hasMessageContaining("type=bytes");
    assertThatThrownBy(() -> TypePatterns.parseLimits("image/*=big")).hasMessageContaining("image/*");
    assertThatThrownBy(() -> TypePatterns.parseLimits("image/*=1,image/*=2"))
        .hasMessageContaining("repeated");
  }
}
