package dev.forgeupload.core;

import static dev.forgeupload.core.CoreFixture.body;
import static dev.forgeupload.core.CoreFixture.declaring;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.core.ContentPolicy.Accepted;
import dev.forgeupload.core.ContentPolicy.Claim;
import dev.forgeupload.core.ContentPolicy.Decision;
import dev.forgeupload.core.ContentPolicy.Rejected;
import dev.forgeupload.testing.Samples;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 2: {@code FORGE_ALLOWED_TYPES} and {@code FORGE_TYPE_MAX_BYTES} send every
 * upload through the full detection, where a claim must be compatible with the bytes: a correct
 * claim is accepted, a wrong one is 415, and a per-type limit holds to the byte.
 */
class AllowedTypesAndLimitsTest {
  private static final ContentPolicy ALLOWED =
      new ContentPolicy(ContentPolicy.DEFAULT_DENIED,
          List.of("image/*", "application/pdf", "application/xml", "text/*"), Map.of());
  private static final byte[] PNG = Samples.png(4, 4);
  private static final byte[] SVG =
      "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] XML =
      "<?xml version=\"1.0\"?>\n<root/>\n".getBytes(StandardCharsets.US_ASCII);

  private static Decision check(ContentPolicy p, byte[] b, String type, Long length) {
    return p.check(b, b.length, new Claim(type, null), length);
  }

  private static Accepted accepted(Decision d) {
    assertThat(d).isInstanceOf(Accepted.class);
    return (Accepted) d;
  }

  private static Rejected rejected(Decision d) {
    assertThat(d).isInstanceOf(Rejected.class);
    return (Rejected) d;
  }

  @Test
  void with_an_allow_list_a_correct_claim_is_accepted_as_claimed() {
    Accepted a = accepted(check(ALLOWED, PNG, "image/png", (long) PNG.length));
    assertThat(a.detected()).isEqualTo("image/png");
    assertThat(a.contentType()).isEqualTo("image/png");
    Accepted pdf = accepted(check(ALLOWED, Samples.pdf(), "application/pdf", null));
    assertThat(pdf.contentType()).isEqualTo("application/pdf");
  }

  @Test
  void with_an_allow_list_a_wrong_claim_is_415() {
    Rejected r = rejected(check(ALLOWED, PNG, "image/jpeg", (long) PNG.length));
    assertThat(r.status()).isEqualTo(415);
    assertThat(r.code()).isEqualTo("content_rejected");
    assertThat(r.reason()).isEqualTo("content is image/png, not image/jpeg as claimed");
    // random bytes are no image, whatever the claim says
    byte[] noise = dev.forgeupload.testing.TestData.randomBytes(500, 3);
    assertThat(rejected(check(ALLOWED, noise, "image/png", null)).reason())
        .isEqualTo("content is application/octet-stream, not image/png as claimed");
  }

  @Test
  void a_claim_may_name_a_supertype_or_a_subtype_of_what_the_bytes_are() {
    // the bytes are more specific than the claim: stored as what they are
    Accepted general = accepted(check(ALLOWED, SVG, "application/xml", null));
    assertThat(general.detected()).isEqualTo("image/svg+xml");
    assertThat(general.contentType()).isEqualTo("image/svg+xml");
    // the claim is more specific than the bytes: the claim refines them
    Accepted specific = accepted(check(ALLOWED, XML, "image/svg+xml", null));
    assertThat(specific.detected()).isEqualTo("application/xml");
    assertThat(specific.contentType()).isEqualTo("image/svg+xml");
  }

  @Test
  void the_allow_list_is_not_a_claim_check_and_not_the_deny_list() {
    assertThat(accepted(check(ALLOWED, PNG, null, null)).contentType()).isEqualTo("image/png");
    assertThat(rejected(check(ALLOWED, Samples.zip(), null, null)).reason())
        .isEqualTo("content is application/zip, which is not among the allowed types");
    assertThat(rejected(check(ALLOWED, Samples.text("#!/bin/sh\necho\n"), null, null)).reason())
        .isEqualTo("content is application/x-sh, which is not accepted here");
  }

  @Test
  void a_per_type_limit_admits_exactly_its_bytes() {
    ContentPolicy p = new ContentPolicy(ContentPolicy.DEFAULT_DENIED, List.of(),
        Map.of("image/png", 1000L, "image/*", 10L, "application/pdf", 0L));
    assertThat(accepted(check(p, PNG, "image/png", 1000L)).contentType()).isEqualTo("image/png");
    Rejected r = rejected(check(p, PNG, "image/png", 1001L));
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.problem()).isEqualTo(Problem.CONTENT_TOO_LARGE);
    assertThat(r.reason())
        .isEqualTo("content is image/png of 1001 bytes; the limit for it is 1000 bytes");
    assertThat(p.checkLength("image/png", 1000)).isEmpty();
    assertThat(p.checkLength("image/png", 1001)).hasValueSatisfying(x ->
        assertThat(x.reason()).isEqualTo(
            "content is image/png of 1001 bytes; the limit for it is 1000 bytes"));
    assertThat(p.checkLength("image/gif", 11)).isPresent();
    assertThat(p.checkLength("IMAGE/PNG; charset=x", 1001)).isPresent();
    assertThat(p.checkLength("not a type", 1L << 40)).isEmpty();
    assertThat(p.checkLength("application/pdf", 0)).as("a limit of 0 allows empty").isEmpty();
    assertThat(p.checkLength("application/pdf", 1)).isPresent();
    // the most specific wildcard wins
    ContentPolicy w = new ContentPolicy(List.of(), List.of(),
        Map.of("image/*", 10L, "image/p*", 2000L));
    assertThat(w.checkLength("image/png", 2000)).isEmpty();
    assertThat(w.checkLength("image/gif", 11)).isPresent();
  }

  @Test
  void a_limit_alone_sends_a_confirmed_claim_through_the_full_check() {
    ContentPolicy p = new ContentPolicy(ContentPolicy.DEFAULT_DENIED, List.of(),
        Map.of("image/png", 10L));
    assertThat(check(p, PNG, "image/png", 11L)).isInstanceOf(Rejected.class);
    ContentPolicy onlyPdf = new ContentPolicy(ContentPolicy.DEFAULT_DENIED,
        List.of("application/pdf"), Map.of());
    assertThat(check(onlyPdf, PNG, "image/png", null)).isInstanceOf(Rejected.class);
  }

  @Test
  void the_policy_keeps_its_lists_and_refuses_bad_ones() {
    assertThat(ALLOWED.denied()).isEqualTo(ContentPolicy.DEFAULT_DENIED);
    assertThat(ALLOWED.allowed()).containsExactly(
        "image/*", "application/pdf", "application/xml", "text/*");
    ContentPolicy p = new ContentPolicy(List.of(), List.of(), Map.of("image/png", 0L));
    assertThat(p.maxBytes()).containsExactly(Map.entry("image/png", 0L));
    assertThatThrownBy(() -> new ContentPolicy(List.of("exe"), List.of(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'exe'");
    assertThatThrownBy(() -> new ContentPolicy(List.of(), List.of("png"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'png'");
    assertThatThrownBy(() -> new ContentPolicy(List.of(), List.of(), Map.of("png", 1L)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'png'");
    assertThatThrownBy(() -> new ContentPolicy(List.of(), List.of(), Map.of("image/png", -1L)))
        .hasMessage("limit for 'image/png' must be a non-negative integer");
    java.util.Map<String, Long> withNull = new java.util.HashMap<>();
    withNull.put("image/png", null);
    assertThatThrownBy(() -> new ContentPolicy(List.of(), List.of(), withNull))
        .hasMessage("limit for 'image/png' must be a non-negative integer");
  }

  @Test
  void through_the_write_path_a_correct_claim_is_stored_and_a_wrong_one_fails_the_upload()
      throws IOException {
    CoreFixture f = new CoreFixture(ALLOWED, OwnerLimits.NONE, 1L << 30);
    Upload ok = f.writer().create(
        f.newUpload(null, (long) PNG.length, UploadKind.REGULAR, "image/png", "a.png"));
    assertThat(f.append(ok.id(), 0, PNG).isComplete()).isTrue();
    assertThat(f.row(ok.id()).contentType()).isEqualTo("image/png");
    Upload wrong = f.writer().create(
        f.newUpload(null, (long) PNG.length, UploadKind.REGULAR, "image/jpeg", "a.jpg"));
    assertThatThrownBy(() -> f.append(wrong.id(), 0, PNG))
        .isInstanceOfSatisfying(UploadException.class, e -> assertThat(e.status()).isEqualTo(415));
    assertThat(f.row(wrong.id()).state()).isEqualTo(UploadState.FAILED);
  }

  @Test
  void through_the_write_path_a_type_limit_holds_to_the_byte() throws IOException {
    int n = PNG.length;
    CoreFixture f = new CoreFixture(new ContentPolicy(ContentPolicy.DEFAULT_DENIED, List.of(),
        Map.of("image/png", (long) n)), OwnerLimits.NONE, 1L << 30);
    Upload exact = f.writer().create(
        f.newUpload(null, (long) n, UploadKind.REGULAR, "image/png", null));
    assertThat(f.append(exact.id(), 0, PNG).isComplete()).isTrue();
    Upload over = f.writer().create(
        f.newUpload(null, (long) n + 1, UploadKind.REGULAR, "image/png", null));
    assertThatThrownBy(() -> f.append(over.id(), 0, Arrays.copyOf(PNG, n + 1)))
        .isInstanceOfSatisfying(UploadException.class, e -> {
          assertThat(e.status()).isEqualTo(413);
          assertThat(e.code()).isEqualTo("content_too_large");
        });
    assertThat(f.row(over.id()).state()).isEqualTo(UploadState.FAILED);
    // deferred: judged when the length is declared
    Upload deferred = f.writer().create(
        f.newUpload(null, null, UploadKind.REGULAR, "image/png", null));
    f.append(deferred.id(), 0, Arrays.copyOf(PNG, n + 1));
    assertThatThrownBy(() -> f.writer().append(deferred.id(), declaring(n + 1, n + 1),
            body(new byte[0])))
        .isInstanceOfSatisfying(UploadException.class, e -> assertThat(e.status()).isEqualTo(413));
  }
}
