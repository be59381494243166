package dev.forgeupload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.testing.Samples;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@link ContentGate}: when the policy is asked, on which bytes, and what a refusal does. */
class ContentGateTest {
  private static final int SNIFF = ContentPolicy.SNIFF_BYTES;
  private final CoreFixture f = new CoreFixture(
      new ContentPolicy(ContentPolicy.DEFAULT_DENIED, List.of(), Map.of("image/png", 100_000L)),
      OwnerLimits.NONE, 1L << 30);

  private ContentGate gate() {
    return f.uploads.gate();
  }

  private Upload put(UploadKind kind, Long length, long offset, String contentType,
      Map<String, String> meta) {
    Upload r = CoreFixture.row(UUID.randomUUID(), kind, UploadState.UPLOADING, length, offset,
        false, null, null);
    return f.repo.put(new Upload(r.id(), null, meta.get("filename"), contentType, length, offset,
        r.state(), kind, r.concatParts(), meta, null, null, null, null, null, r.createdAt(),
        r.updatedAt(), null, null, r.expiresAt()));
  }

  @Test
  void a_new_row_stores_the_claim_except_for_finals_parts_and_empty_uploads() {
    Map<String, String> png = Map.of("filetype", "image/png");
    NewUpload regular = new NewUpload(UUID.randomUUID(), null, 5L, UploadKind.REGULAR, null, png,
        null, null, null);
    assertThat(ContentGate.initialContentType(regular)).isEqualTo("image/png");
    NewUpload deferred = new NewUpload(UUID.randomUUID(), null, null, UploadKind.REGULAR, null,
        png, null, null, null);
    assertThat(ContentGate.initialContentType(deferred)).isEqualTo("image/png");
    NewUpload empty = new NewUpload(UUID.randomUUID(), null, 0L, UploadKind.REGULAR, null, png,
        null, null, null);
    assertThat(ContentGate.initialContentType(empty)).isEqualTo(ContentPolicy.OCTET_STREAM);
    NewUpload part = new NewUpload(UUID.randomUUID(), null, 5L, UploadKind.PARTIAL, null, png,
        null, null, null);
    assertThat(ContentGate.initialContentType(part)).isEqualTo(ContentPolicy.OCTET_STREAM);
    NewUpload fin = new NewUpload(UUID.randomUUID(), null, null, UploadKind.FINAL, List.of(), png,
        null, null, null);
    assertThat(ContentGate.initialContentType(fin)).isNull();
  }

  @Test
  void a_patch_is_checked_until_64_kib_are_in_and_never_for_a_final() {
    assertThat(gate().forPatch(put(UploadKind.REGULAR, 1L << 20, SNIFF - 1, null, Map.of())))
        .isPresent();
    assertThat(gate().forPatch(put(UploadKind.REGULAR, 1L << 20, SNIFF, null, Map.of())))
        .isEmpty();
    assertThat(gate().forPatch(put(UploadKind.FINAL, 10L, 0, null, Map.of()))).isEmpty();
  }

  @Test
  void a_check_runs_once_and_stores_what_it_accepted() throws IOException {
    byte[] png = Samples.png(4, 4);
    Upload u = put(UploadKind.REGULAR, (long) png.length, 0, "image/png",
        Map.of("filetype", "image/png"));
    f.staging.put(u.id(), png);
    ContentGate.Check c = gate().forPatch(u).orElseThrow();
    assertThat(c.contentTypeOr("before")).isEqualTo("before");
    c.run(png.length);
    assertThat(c.contentTypeOr("before")).isEqualTo("image/png");
    assertThat(f.row(u.id()).contentType()).isEqualTo("image/png");
    f.staging.failRead = new IOException("must not be read again");
    c.run(png.length);
  }

  @Test
  void a_patch_check_judges_the_rows_claim() throws IOException {
    byte[] png = Samples.png(4, 4);
    Upload u = put(UploadKind.REGULAR, (long) png.length, 0, "image/jpeg",
        Map.of("filetype", "image/jpeg"));
    f.staging.put(u.id(), png);
    ContentGate.Check c = gate().forPatch(u).orElseThrow();
    assertThatThrownBy(() -> c.run(png.length))
        .hasMessage("content is image/png, not image/jpeg as claimed");
  }

  @Test
  void a_new_part_gets_the_part_check_and_a_new_upload_the_full_one() throws IOException {
    byte[] bareMz = {'M', 'Z', 1, 2, 3, 4, 5, 6};
    NewUpload part = f.newUpload(null, 8L, UploadKind.PARTIAL, null, null);
    f.staging.put(part.id(), bareMz);
    ContentGate.Check pc = gate().forNew(part);
    pc.run(8);
    assertThat(pc.contentTypeOr(null)).isEqualTo(ContentPolicy.OCTET_STREAM);
    NewUpload regular = f.newUpload(null, 8L, UploadKind.REGULAR, null, null);
    f.staging.put(regular.id(), bareMz);
    assertThatThrownBy(() -> gate().forNew(regular).run(8))
        .isInstanceOfSatisfying(UploadException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.CONTENT_REJECTED));
  }

  @Test
  void a_part_check_stores_no_type() throws IOException {
    byte[] png = Samples.png(4, 4);
    Upload part = put(UploadKind.PARTIAL, (long) png.length, 0, ContentPolicy.OCTET_STREAM,
        Map.of("filetype", "image/png"));
    f.staging.put(part.id(), png);
    gate().forPatch(part).orElseThrow().run(png.length);
    assertThat(f.row(part.id()).contentType()).isEqualTo(ContentPolicy.OCTET_STREAM);
  }

  @Test
  void a_late_length_past_the_checked_prefix_must_fit_the_types_limit() {
    Upload fits = put(UploadKind.REGULAR, null, SNIFF, "image/png", Map.of());
    gate().checkDeclaredLength(fits, 100_000);
    assertThat(f.row(fits.id()).state()).isEqualTo(UploadState.UPLOADING);
    Upload over = put(UploadKind.REGULAR, null, SNIFF, "image/png", Map.of());
    f.staging.put(over.id(), new byte[SNIFF]);
    assertThatThrownBy(() -> gate().checkDeclaredLength(over, 100_001))
        .isInstanceOfSatisfying(UploadException.class, e -> {
          assertThat(e.problem()).isEqualTo(Problem.CONTENT_TOO_LARGE);
          assertThat(e.getMessage()).isEqualTo(
              "content is image/png of 100001 bytes; the limit for it is 100000 bytes");
        });
    assertThat(f.row(over.id()).state()).isEqualTo(UploadState.FAILED);
    assertThat(f.staging.bytes(over.id())).isNull();
    assertThat(f.events.states).containsExactly("failed 65536/null");
    // no type stored yet, a part, or a final: nothing to limit here
    gate().checkDeclaredLength(put(UploadKind.REGULAR, null, SNIFF, null, Map.of()), 1L << 40);
    gate().checkDeclaredLength(
        put(UploadKind.PARTIAL, null, SNIFF, "image/png", Map.of()), 1L << 40);
    gate().checkDeclaredLength(put(UploadKind.FINAL, null, 0, "image/png", Map.of()), 1L << 40);
  }

  @Test
  void a_late_length_before_64_kib_is_checked_only_when_it_ends_the_upload() {
    Upload u = put(UploadKind.REGULAR, null, 600, null, Map.of());
    f.staging.put(u.id(), Samples.windowsExe(600));
    gate().checkDeclaredLength(u, 601); // more bytes to come: judged when they are in
    assertThat(f.row(u.id()).state()).isEqualTo(UploadState.UPLOADING);
    assertThatThrownBy(() -> gate().checkDeclaredLength(u, 600))
        .isInstanceOf(UploadException.class);
    assertThat(f.row(u.id()).state()).isEqualTo(UploadState.FAILED);
  }

  @Test
  void a_late_length_that_ends_a_part_gets_the_part_check_and_a_final_none() {
    byte[] bareMz = {'M', 'Z', 1, 2, 3, 4, 5, 6};
    Upload part = put(UploadKind.PARTIAL, null, 8, ContentPolicy.OCTET_STREAM, Map.of());
    f.staging.put(part.id(), bareMz);
    gate().checkDeclaredLength(part, 8);
    assertThat(f.row(part.id()).state()).isEqualTo(UploadState.UPLOADING);
    Upload fin = put(UploadKind.FINAL, null, 600, null, Map.of());
    f.staging.put(fin.id(), Samples.windowsExe(600));
    gate().checkDeclaredLength(fin, 600);
    assertThat(f.row(fin.id()).state()).isEqualTo(UploadState.UPLOADING);
    assertThat(f.row(fin.id()).contentType()).isNull();
  }

  @Test
  void a_late_length_whose_bytes_cannot_be_read_is_an_io_failure_not_a_rejection() {
    Upload u = put(UploadKind.REGULAR, null, 600, null, Map.of());
    f.staging.put(u.id(), new byte[600]);
    f.staging.failRead = new IOException("disk");
    assertThatThrownBy(() -> gate().checkDeclaredLength(u, 600))
        .isInstanceOf(UncheckedIOException.class);
    assertThat(f.row(u.id()).state()).isEqualTo(UploadState.UPLOADING);
  }

  @Test
  void a_rejection_fails_the_upload_even_when_its_bytes_cannot_be_deleted() {
    Upload u = put(UploadKind.REGULAR, 10L, 4, null, Map.of());
    f.staging.failDelete = new IOException("busy");
    gate().reject(u, new UploadException(Problem.CONTENT_REJECTED, "no"));
    assertThat(f.row(u.id()).state()).isEqualTo(UploadState.FAILED);
    assertThat(f.row(u.id()).error()).isEqualTo("no");
    assertThat(f.events.states).containsExactly("failed 4/10");
  }

  @Test
  void a_final_is_checked_from_its_parts_first_bytes_when_complete() {
    byte[] png = Samples.png(4, 4);
    Upload a = f.repo.put(CoreFixture.row(UUID.randomUUID(), UploadKind.PARTIAL,
        UploadState.UPLOADING, 10L, 10, true, null, null));
    Upload b = f.repo.put(CoreFixture.row(UUID.randomUUID(), UploadKind.PARTIAL,
        UploadState.UPLOADING, (long) png.length - 10, png.length - 10, true, null, null));
    f.staging.put(a.id(), Arrays.copyOf(png, 10));
    f.staging.put(b.id(), Arrays.copyOfRange(png, 10, png.length));
    Upload fin = f.repo.put(CoreFixture.row(UUID.randomUUID(), UploadKind.FINAL,
        UploadState.QUEUED, (long) png.length, png.length, true, List.of(a.id(), b.id()), null));
    assertThat(gate().checkFinal(fin)).isEmpty();
    assertThat(f.row(fin.id()).contentType()).isEqualTo("image/png");
    // not a final, or not complete: nothing to check
    assertThat(gate().checkFinal(a)).isEmpty();
    assertThat(f.row(a.id()).contentType()).as("a part is never typed").isNull();
    Upload open = f.repo.put(CoreFixture.row(UUID.randomUUID(), UploadKind.FINAL,
        UploadState.UPLOADING, null, 0, false, List.of(a.id()), null));
    f.staging.failRead = new IOException("must not be read");
    assertThat(gate().checkFinal(open)).isEmpty();
    assertThat(f.row(open.id()).contentType()).as("an unfinished final is not typed").isNull();
    f.staging.failRead = null;
    Upload regular = f.repo.put(new Upload(UUID.randomUUID(), null, "r.png", null,
        (long) png.length, png.length, UploadState.QUEUED, UploadKind.REGULAR, null,
        Map.of("filetype", "image/png"), null, null, null, null, null, null, null,
        a.completedAt(), null, null));
    f.staging.put(regular.id(), png);
    assertThat(gate().checkFinal(regular)).isEmpty();
    assertThat(f.row(regular.id()).contentType()).as("only finals are checked here").isNull();
  }

  @Test
  void a_rejected_final_is_failed_and_no_longer_complete() {
    Upload a = f.repo.put(CoreFixture.row(UUID.randomUUID(), UploadKind.PARTIAL,
        UploadState.UPLOADING, 600L, 600, true, null, null));
    f.staging.put(a.id(), Samples.windowsExe(600));
    Upload fin = f.repo.put(CoreFixture.row(UUID.randomUUID(), UploadKind.FINAL,
        UploadState.QUEUED, 600L, 600, true, List.of(a.id()), null));
    UploadException e = gate().checkFinal(fin).orElseThrow();
    assertThat(e.problem()).isEqualTo(Problem.CONTENT_REJECTED);
    Upload after = f.row(fin.id());
    assertThat(after.state()).isEqualTo(UploadState.FAILED);
    assertThat(after.offset()).isZero();
    assertThat(after.error()).isEqualTo(e.getMessage());
    assertThat(f.events.states).containsExactly("failed 0/600");
  }

  @Test
  void a_final_whose_parts_cannot_be_read_is_left_to_the_worker() {
    Upload a = f.repo.put(CoreFixture.row(UUID.randomUUID(), UploadKind.PARTIAL,
        UploadState.UPLOADING, 600L, 600, true, null, null));
    Upload fin = f.repo.put(CoreFixture.row(UUID.randomUUID(), UploadKind.FINAL,
        UploadState.QUEUED, 600L, 600, true, List.of(a.id()), null));
    assertThat(gate().checkFinal(fin)).isEmpty(); // part a has no staged bytes
    assertThat(f.row(fin.id()).state()).isEqualTo(UploadState.QUEUED);
  }
}
