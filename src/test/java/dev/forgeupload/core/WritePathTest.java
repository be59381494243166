package dev.forgeupload.core;

import static dev.forgeupload.core.CoreFixture.body;
import static dev.forgeupload.core.CoreFixture.declaring;
import static dev.forgeupload.core.CoreFixture.empty;
import static dev.forgeupload.core.CoreFixture.patch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.testing.Samples;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@link UploadWriter} on in-memory fakes: each branch of creation, PATCH and the late length,
 * with what it must leave behind (row, staged bytes, events, metrics, queue).
 */
class WritePathTest {
  private final CoreFixture f = new CoreFixture(ContentPolicy.defaults(), OwnerLimits.NONE, 1000);
  /** For bodies larger than {@code f}'s maximum. */
  private final CoreFixture big = new CoreFixture();

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static UploadException refusal(Throwable t) {
    assertThat(t).isInstanceOf(UploadException.class);
    return (UploadException) t;
  }

  private static UploadException thrown(ThrowingRunnable r) {
    try {
      r.run();
    } catch (Throwable t) {
      return refusal(t);
    }
    throw new AssertionError("expected a refusal");
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void settings_are_what_was_configured() {
    assertThat(f.writer().maxUploadBytes()).isEqualTo(1000);
    assertThat(f.writer().newExpiry().toInstant())
        .isEqualTo(f.clock.instant().plus(CoreFixture.EXPIRY));
  }

  @Test
  void a_length_up_to_the_maximum_is_accepted_and_one_more_is_413() {
    assertThat(f.create(1000L).length()).isEqualTo(1000);
    UploadException e = thrown(() -> f.create(1001L));
    assertThat(e.problem()).isEqualTo(Problem.TOO_LARGE);
    assertThat(e.getMessage()).isEqualTo("Upload-Length 1001 exceeds the maximum of 1000");
    NewUpload n = f.newUpload(null, 1001L, UploadKind.REGULAR, null, null);
    assertThat(thrown(() -> f.writer().createWithBody(n, patch(0), body(new byte[1]))).problem())
        .isEqualTo(Problem.TOO_LARGE);
    assertThat(f.repo.find(n.id())).isEmpty();
    assertThat(f.metrics.created).isEqualTo(1);
  }

  @Test
  void creating_an_unfinished_upload_counts_it_and_announces_it() {
    Upload u = f.create(10L);
    assertThat(u.state()).isEqualTo(UploadState.UPLOADING);
    assertThat(f.metrics.created).isEqualTo(1);
    assertThat(f.events.states).containsExactly("uploading 0/10");
    assertThat(f.queue.enqueued).isEmpty();
  }

  @Test
  void an_empty_upload_is_complete_and_queued_at_creation() {
    Upload u = f.create(0L);
    assertThat(u.isComplete()).isTrue();
    assertThat(f.queue.enqueued).containsExactly(u.id());
    assertThat(f.metrics.completed).isEqualTo(1);
    assertThat(f.events.states).containsExactly("queued 0/0");
  }

  @Test
  void a_final_of_complete_parts_is_complete_checked_and_queued_at_creation() throws IOException {
    byte[] png = Samples.png(8, 8);
    Upload a = f.writer().create(f.newUpload(null, 10L, UploadKind.PARTIAL, null, null));
    Upload b = f.writer().create(
        f.newUpload(null, (long) png.length - 10, UploadKind.PARTIAL, null, null));
    f.append(a.id(), 0, Arrays.copyOfRange(png, 0, 10));
    f.append(b.id(), 0, Arrays.copyOfRange(png, 10, png.length));
    f.queue.enqueued.clear();
    Upload fin = f.writer().create(
        f.newUpload(null, null, UploadKind.FINAL, List.of(a.id(), b.id()), "image/png", "a.png"));
    assertThat(fin.isComplete()).isTrue();
    assertThat(fin.length()).isEqualTo(png.length);
    assertThat(f.queue.enqueued).containsExactly(fin.id());
    assertThat(f.row(fin.id()).contentType()).isEqualTo("image/png");
  }

  @Test
  void a_final_whose_parts_are_an_executable_is_refused_at_creation() throws IOException {
    byte[] exe = Samples.windowsExe(600);
    Upload a = f.writer().create(f.newUpload(null, 600L, UploadKind.PARTIAL, null, null));
    // the part alone passes: a bare part check refuses only signatures of four bytes or more
    f.staging.put(a.id(), exe);
    f.repo.put(CoreFixture.row(a.id(), UploadKind.PARTIAL, UploadState.UPLOADING, 600L, 600,
        true, null, null));
    NewUpload n = f.newUpload(null, null, UploadKind.FINAL, List.of(a.id()), null, "x.png");
    UploadException e = thrown(() -> f.writer().create(n));
    assertThat(e.status()).isEqualTo(415);
    assertThat(f.row(n.id()).state()).isEqualTo(UploadState.FAILED);
    assertThat(f.row(n.id()).isComplete()).isFalse();
    assertThat(f.queue.enqueued).doesNotContain(n.id());
  }

  @Test
  void a_final_cannot_carry_a_body() {
    NewUpload n = f.newUpload(null, null, UploadKind.FINAL, List.of(UUID.randomUUID()), null, null);
    UploadException e = thrown(() -> f.writer().createWithBody(n, patch(0), body(new byte[1])));
    assertThat(e.problem()).isEqualTo(Problem.BAD_REQUEST);
    assertThat(e.getMessage()).isEqualTo("a final upload cannot carry a body");
  }

  @Test
  void creation_with_a_whole_body_is_counted_queued_and_typed_by_its_bytes() throws IOException {
    byte[] png = Samples.png(4, 4);
    NewUpload n = f.newUpload(null, (long) png.length, UploadKind.REGULAR, "image/png", "a.png");
    Upload u = f.writer().createWithBody(n, patch(0), body(png));
    assertThat(u.isComplete()).isTrue();
    assertThat(u.contentType()).isEqualTo("image/png");
    assertThat(f.metrics.created).isEqualTo(1);
    assertThat(f.queue.enqueued).containsExactly(u.id());
    assertThat(f.staging.bytes(u.id())).isEqualTo(png);
    assertThat(f.staging.forced).as("made durable before the row").contains((long) png.length);
    assertThat(f.events.progress).as("no row yet: no progress").isEmpty();
  }

  @Test
  void creation_with_a_body_of_megabytes_is_kept_whole_without_checkpoints() throws IOException {
    NewUpload n = big.newUpload(null, 3L << 20, UploadKind.REGULAR, null, null);
    Upload u = big.writer().createWithBody(n, patch(0), body(random(3 << 20)));
    assertThat(u.isComplete()).isTrue();
    assertThat(big.repo.rows.offsetWrites).isEmpty();
    assertThat(big.events.progress).isEmpty();
  }

  @Test
  void creation_with_part_of_the_body_is_not_queued() throws IOException {
    NewUpload n = f.newUpload(null, 100L, UploadKind.REGULAR, null, null);
    Upload u = f.writer().createWithBody(n, patch(0), body(random(40)));
    assertThat(u.offset()).isEqualTo(40);
    assertThat(u.isComplete()).isFalse();
    assertThat(f.queue.enqueued).isEmpty();
  }

  @Test
  void creation_with_a_deferred_length_takes_up_to_the_maximum() throws IOException {
    NewUpload fits = f.newUpload(null, null, UploadKind.REGULAR, null, null);
    assertThat(f.writer().createWithBody(fits, patch(0), body(random(1000))).offset())
        .isEqualTo(1000);
    NewUpload over = f.newUpload(null, null, UploadKind.REGULAR, null, null);
    UploadException e = thrown(() -> f.writer().createWithBody(over, patch(0), body(random(1001))));
    assertThat(e.problem()).isEqualTo(Problem.TOO_LARGE);
    assertThat(e.getMessage()).contains("the maximum upload size");
    assertThat(f.repo.find(over.id())).isEmpty();
    assertThat(f.staging.bytes(over.id())).isNull();
  }

  @Test
  void creation_with_an_executable_body_is_recorded_failed_and_keeps_no_byte() {
    byte[] exe = Samples.windowsExe(700);
    NewUpload n = f.newUpload(null, 700L, UploadKind.REGULAR, null, "a.bin");
    UploadException e = thrown(() -> f.writer().createWithBody(n, patch(0), body(exe)));
    assertThat(e.problem()).isEqualTo(Problem.CONTENT_REJECTED);
    Upload failed = f.row(n.id());
    assertThat(failed.state()).isEqualTo(UploadState.FAILED);
    assertThat(failed.error()).isEqualTo(e.getMessage());
    assertThat(f.staging.bytes(n.id())).isNull();
    assertThat(f.events.states).containsExactly("failed 0/700");
    assertThat(f.metrics.created).isZero();
  }

  @Test
  void a_final_cannot_be_patched() {
    UUID id = UUID.randomUUID();
    f.repo.put(CoreFixture.row(id, UploadKind.FINAL, UploadState.UPLOADING, 10L, 0, false,
        List.of(), null));
    UploadException e = thrown(() -> f.append(id, 0, new byte[1]));
    assertThat(e.problem()).isEqualTo(Problem.FINAL_UPLOAD);
  }

  @Test
  void a_rejected_upload_refuses_more_bytes_but_a_failed_complete_one_is_idempotent()
      throws IOException {
    UUID rejected = UUID.randomUUID();
    f.repo.put(CoreFixture.row(rejected, UploadKind.REGULAR, UploadState.FAILED, 10L, 0, false,
        null, null));
    UploadException e = thrown(() -> f.append(rejected, 0, new byte[1]));
    assertThat(e.problem()).isEqualTo(Problem.UPLOAD_REJECTED);
    UUID storeFailed = UUID.randomUUID();
    f.repo.put(CoreFixture.row(storeFailed, UploadKind.REGULAR, UploadState.FAILED, 10L, 10, true,
        null, null));
    assertThat(f.append(storeFailed, 10, new byte[0]).state()).isEqualTo(UploadState.FAILED);
  }

  @Test
  void a_byte_after_the_last_is_413_even_a_zero_byte() throws IOException {
    Upload u = f.create(3L);
    f.append(u.id(), 0, new byte[] {1, 2, 3});
    UploadException e = thrown(() -> f.append(u.id(), 3, new byte[] {0}));
    assertThat(e.problem()).isEqualTo(Problem.TOO_LARGE);
    assertThat(e.getMessage()).isEqualTo("the upload is already complete");
  }

  @Test
  void a_later_body_may_fill_exactly_the_rest_and_no_more() throws IOException {
    Upload u = f.create(10L);
    f.append(u.id(), 0, random(4));
    UploadException e = thrown(() -> f.append(u.id(), 4, random(7)));
    assertThat(e.problem()).isEqualTo(Problem.TOO_LARGE);
    assertThat(e.getMessage()).endsWith("runs past Upload-Length");
    assertThat(f.staging.bytes(u.id())).as("the committed 4 bytes stay").hasSize(4);
    Upload done = f.append(u.id(), 4, random(6));
    assertThat(done.isComplete()).isTrue();
    assertThat(f.queue.enqueued).containsExactly(u.id());
  }

  @Test
  void an_unfinished_patch_announces_where_it_ended_and_an_empty_one_writes_nothing()
      throws IOException {
    Upload u = f.create(10L);
    f.append(u.id(), 0, random(4));
    assertThat(f.events.states).last().isEqualTo("uploading 4/10");
    assertThat(f.events.progress).contains(4L);
    assertThat(f.events.progressLengths).containsOnly(10L);
    int writes = f.repo.rows.offsetWrites.size();
    Upload same = f.writer().append(u.id(), patch(4), empty());
    assertThat(same.offset()).isEqualTo(4);
    assertThat(f.repo.rows.offsetWrites).hasSize(writes);
    assertThat(f.staging.forced).contains(4L);
  }

  @Test
  void bytes_received_are_counted() throws IOException {
    Upload u = f.create(10L);
    f.append(u.id(), 0, random(7));
    assertThat(f.metrics.received).isEqualTo(7);
  }

  @Test
  void a_declared_length_over_the_maximum_is_413() throws IOException {
    Upload u = f.create(null);
    UploadException e = thrown(() -> f.writer().append(u.id(), declaring(0, 1001), empty()));
    assertThat(e.problem()).isEqualTo(Problem.TOO_LARGE);
  }

  @Test
  void the_same_length_again_is_fine_and_another_is_400() throws IOException {
    Upload u = f.create(10L);
    Upload after = f.writer().append(u.id(), declaring(0, 10), body(random(10)));
    assertThat(after.isComplete()).isTrue();
    Upload v = f.create(10L);
    UploadException e = thrown(() -> f.writer().append(v.id(), declaring(0, 11), empty()));
    assertThat(e.getMessage()).isEqualTo("Upload-Length 11 differs from the declared 10");
  }

  @Test
  void a_length_below_the_offset_is_400() throws IOException {
    Upload u = f.create(null);
    f.append(u.id(), 0, random(10));
    UploadException e = thrown(() -> f.writer().append(u.id(), declaring(10, 9), empty()));
    assertThat(e.problem()).isEqualTo(Problem.BAD_REQUEST);
    assertThat(e.getMessage()).isEqualTo("Upload-Length 9 is less than the offset 10");
    assertThat(f.row(u.id()).length()).isNull();
  }

  @Test
  void a_length_declared_at_the_offset_completes_and_queues_the_upload() throws IOException {
    Upload u = f.create(null);
    f.append(u.id(), 0, Samples.text("hello, world\n"));
    Upload done = f.writer().append(u.id(), declaring(13, 13), empty());
    assertThat(done.isComplete()).isTrue();
    assertThat(done.length()).isEqualTo(13);
    assertThat(f.queue.enqueued).containsExactly(u.id());
  }

  /**
   * Issue 17, item 1: under 64 KiB nothing is judged while the length is deferred; the empty
   * PATCH that declares it is the end of the upload, so the check runs there.
   */
  @Test
  void a_short_deferred_executable_is_refused_by_the_empty_patch_that_declares_its_length()
      throws IOException {
    byte[] exe = Samples.windowsExe(3000);
    Upload u = big.create(null);
    Upload sent = big.append(u.id(), 0, exe);
    assertThat(sent.offset()).isEqualTo(3000);
    UploadException e = thrown(() -> big.writer().append(u.id(), declaring(3000, 3000), empty()));
    assertThat(e.status()).isEqualTo(415);
    assertThat(e.code()).isEqualTo("content_rejected");
    assertThat(e.getMessage())
        .isEqualTo("content is application/x-msdownload, which is not accepted here");
    Upload failed = big.row(u.id());
    assertThat(failed.state()).isEqualTo(UploadState.FAILED);
    assertThat(failed.error()).isEqualTo(e.getMessage());
    assertThat(failed.isComplete()).isFalse();
    assertThat(big.staging.bytes(u.id())).as("its bytes are deleted").isNull();
    assertThat(big.queue.enqueued).isEmpty();
    assertThat(big.events.states).last().isEqualTo("failed 3000/null");
    // and it takes no more bytes
    assertThat(thrown(() -> big.append(u.id(), 0, new byte[1])).problem())
        .isEqualTo(Problem.UPLOAD_REJECTED);
  }

  @Test
  void a_short_deferred_image_completed_the_same_way_is_stored_as_claimed() throws IOException {
    byte[] png = Samples.png(4, 4);
    Upload u = f.writer().create(f.newUpload(null, null, UploadKind.REGULAR, "image/png", "a.png"));
    f.append(u.id(), 0, png);
    Upload done = f.writer().append(u.id(), declaring(png.length, png.length), empty());
    assertThat(done.isComplete()).isTrue();
    assertThat(f.row(u.id()).contentType()).isEqualTo("image/png");
    assertThat(f.queue.enqueued).containsExactly(u.id());
  }

  @Test
  void a_deferred_executable_finished_by_a_last_body_is_checked_when_it_ends() throws IOException {
    byte[] exe = Samples.windowsExe(3000);
    Upload u = big.create(null);
    big.append(u.id(), 0, Arrays.copyOf(exe, 1000));
    UploadException e = thrown(() -> big.writer().append(u.id(), declaring(1000, 3000),
        body(Arrays.copyOfRange(exe, 1000, 3000))));
    assertThat(e.status()).isEqualTo(415);
    assertThat(big.row(u.id()).state()).isEqualTo(UploadState.FAILED);
    assertThat(big.row(u.id()).offset()).isEqualTo(1000);
    assertThat(big.staging.bytes(u.id())).isNull();
  }

  /** Issue 17, item 5: a checksum-failed body leaves exactly the bytes before it. */
  @Test
  void a_checksum_failed_body_leaves_the_staged_bytes_as_they_were() throws Exception {
    byte[] data = random(200);
    Upload u = f.create(200L);
    f.append(u.id(), 0, Arrays.copyOf(data, 100));
    Checksum wrong = Checksum.parse("sha256 " + java.util.Base64.getEncoder()
        .encodeToString(java.security.MessageDigest.getInstance("SHA-256").digest(new byte[1])));
    UploadException e = thrown(() -> f.writer().append(u.id(),
        new Patch(100, null, null, wrong, false, null), body(Arrays.copyOfRange(data, 100, 200))));
    assertThat(e.problem()).isEqualTo(Problem.CHECKSUM_MISMATCH);
    assertThat(f.row(u.id()).offset()).isEqualTo(100);
    assertThat(f.staging.bytes(u.id())).isEqualTo(Arrays.copyOf(data, 100));
    // the client sends the body again, right this time
    Upload done = f.append(u.id(), 100, Arrays.copyOfRange(data, 100, 200));
    assertThat(done.isComplete()).isTrue();
    assertThat(f.staging.bytes(u.id())).isEqualTo(data);
  }

  @Test
  void a_checksummed_body_cut_off_leaves_the_staged_bytes_as_they_were() throws Exception {
    byte[] data = random(200);
    Upload u = f.create(200L);
    f.append(u.id(), 0, Arrays.copyOf(data, 50));
    Checksum c = Checksum.parse("md5 " + java.util.Base64.getEncoder()
        .encodeToString(java.security.MessageDigest.getInstance("MD5").digest(data)));
    assertThatThrownBy(() -> f.writer().append(u.id(), new Patch(50, null, null, c, false, null),
            new CoreFixture.BreakingStream(Arrays.copyOfRange(data, 50, 200), 80)))
        .isInstanceOf(BodyReadException.class);
    assertThat(f.row(u.id()).offset()).isEqualTo(50);
    assertThat(f.staging.bytes(u.id())).isEqualTo(Arrays.copyOf(data, 50));
  }

  @Test
  void an_unchecksummed_body_cut_off_keeps_what_arrived() {
    byte[] data = random(200);
    Upload u = f.create(200L);
    assertThatThrownBy(() -> f.writer().append(u.id(), patch(0),
            new CoreFixture.BreakingStream(data, 80)))
        .isInstanceOf(BodyReadException.class);
    assertThat(f.row(u.id()).offset()).isEqualTo(80);
    assertThat(f.staging.bytes(u.id())).isEqualTo(Arrays.copyOf(data, 80));
  }

  @Test
  void a_checkpoint_thread_is_a_daemon_and_checkpoints_wait_their_interval() throws IOException {
    CoreFixture slow = new CoreFixture(ContentPolicy.defaults(), OwnerLimits.NONE, 1L << 30,
        Duration.ofHours(1));
    Upload u = slow.create(3L << 20);
    slow.append(u.id(), 0, random(3 << 20));
    assertThat(slow.repo.rows.offsetWrites).as("no checkpoint within the hour")
        .containsExactly(3L << 20);
  }

  @Test
  void metadata_of_a_new_upload_keeps_its_claim_until_checked() {
    Upload u = f.writer().create(
        new NewUpload(UUID.randomUUID(), null, 5L, UploadKind.REGULAR, null,
            Map.of("filetype", "image/png"), null, "127.0.0.1", f.writer().newExpiry()));
    assertThat(u.contentType()).isEqualTo("image/png");
  }
}
