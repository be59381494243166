package dev.forgeupload.core;

import static dev.forgeupload.core.CoreFixture.body;
import static dev.forgeupload.core.CoreFixture.declaring;
import static dev.forgeupload.core.CoreFixture.patch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.testing.Samples;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ChunkWriter} through the write path: where a body stops, when the content check runs,
 * checkpoints, checksums in the header and in a trailer, and what is left after each failure.
 */
class ChunkWriterTest {
  private static final int MIB = 1 << 20;
  private final CoreFixture f = new CoreFixture();

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static String digest(String tusName, String javaName, byte[] data, int from, int to)
      throws Exception {
    MessageDigest md = MessageDigest.getInstance(javaName);
    md.update(data, from, to - from);
    return tusName + " " + Base64.getEncoder().encodeToString(md.digest());
  }

  /** Counts what was read from it. */
  static final class CountingStream extends ByteArrayInputStream {
    long consumed;

    CountingStream(byte[] b) {
      super(b);
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      int n = super.read(b, off, len);
      consumed += Math.max(n, 0);
      return n;
    }
  }

  private UploadException refusal(Upload u, Patch p, InputStream in) {
    try {
      f.writer().append(u.id(), p, in);
    } catch (UploadException e) {
      return e;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a refusal");
  }

  @Test
  void a_declared_body_longer_than_the_rest_is_413_before_a_byte_is_read() throws IOException {
    Upload u = f.create(10L);
    InputStream unread = new InputStream() {
      @Override
      public int read() {
        throw new AssertionError("the body was read");
      }
    };
    UploadException e = refusal(u, new Patch(0, null, 11L, null, false, null), unread);
    assertThat(e.problem()).isEqualTo(Problem.TOO_LARGE);
    assertThat(e.getMessage()).isEqualTo("body of 11 bytes at offset 0 runs past Upload-Length");
    Upload d = f.create(null);
    CoreFixture small = new CoreFixture(ContentPolicy.defaults(), OwnerLimits.NONE, 5);
    Upload s = small.create(null);
    UploadException deferred = assertRefused(() -> small.writer().append(s.id(),
        new Patch(0, null, 6L, null, false, null), unread));
    assertThat(deferred.getMessage()).isEqualTo(
        "body of 6 bytes at offset 0 runs past the maximum upload size (or the owner's quota)");
    // exactly the rest is fine
    assertThat(f.writer().append(u.id(), new Patch(0, null, 10L, null, false, null),
        body(random(10))).isComplete()).isTrue();
    assertThat(d.offset()).isZero();
  }

  private static UploadException assertRefused(WritePathTest.ThrowingRunnable r) {
    try {
      r.run();
    } catch (UploadException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a refusal");
  }

  @Test
  void a_body_past_its_limit_is_read_one_byte_past_it_and_no_further() {
    Upload u = f.create(10L);
    CountingStream in = new CountingStream(random(20));
    assertThat(refusal(u, patch(0), in).problem()).isEqualTo(Problem.TOO_LARGE);
    assertThat(in.consumed).isEqualTo(11);
    int limit = 300 * 1024;
    Upload v = f.create((long) limit);
    CountingStream big = new CountingStream(random(400 * 1024));
    assertThat(refusal(v, patch(0), big).problem()).isEqualTo(Problem.TOO_LARGE);
    assertThat(big.consumed).isEqualTo(limit + 1);
    assertThat(f.row(v.id()).offset()).isZero();
    assertThat(f.staging.bytes(v.id())).isEmpty();
  }

  @Test
  void a_deferred_executable_is_judged_once_64_kib_are_in_and_not_before() throws IOException {
    byte[] exe = Samples.windowsExe(ContentPolicy.SNIFF_BYTES);
    Upload under = f.create(null);
    assertThat(f.append(under.id(), 0, Arrays.copyOf(exe, ContentPolicy.SNIFF_BYTES - 1))
        .offset()).isEqualTo(ContentPolicy.SNIFF_BYTES - 1);
    Upload at = f.create(null);
    assertThat(refusal(at, patch(0), body(exe)).status()).isEqualTo(415);
    assertThat(f.row(at.id()).offset()).isZero();
    NewUpload n = f.newUpload(null, null, UploadKind.REGULAR, null, null);
    assertThat(assertRefused(() -> f.writer().createWithBody(n, patch(0), body(exe))).status())
        .isEqualTo(415);
    assertThat(f.row(n.id()).state()).isEqualTo(UploadState.FAILED);
  }

  @Test
  void the_patch_that_completes_a_short_upload_runs_the_check_on_all_of_it() throws IOException {
    byte[] exe = Samples.windowsExe(3000);
    Upload u = f.create(3000L);
    f.append(u.id(), 0, Arrays.copyOf(exe, 1000));
    UploadException e = refusal(u, patch(1000), body(Arrays.copyOfRange(exe, 1000, 3000)));
    assertThat(e.status()).isEqualTo(415);
    assertThat(f.row(u.id()).state()).isEqualTo(UploadState.FAILED);
  }

  @Test
  void a_large_executable_is_refused_from_its_first_piece_before_any_checkpoint() {
    byte[] exe = Samples.windowsExe(3 * MIB);
    Upload u = f.create((long) exe.length);
    CountingStream in = new CountingStream(exe);
    assertThat(refusal(u, patch(0), in).status()).isEqualTo(415);
    assertThat(f.repo.rows.offsetWrites).isEmpty();
    assertThat(in.consumed).isLessThanOrEqualTo(512 * 1024);
  }

  @Test
  void checkpoints_record_each_mib_made_durable_on_a_daemon_thread() throws IOException {
    Upload u = f.create(3L * MIB);
    f.append(u.id(), 0, random(3 * MIB));
    assertThat(f.repo.rows.offsetWrites).first().isEqualTo((long) MIB);
    assertThat(f.repo.rows.offsetWrites).isSorted().last().isEqualTo(3L * MIB);
    // a checkpoint fsyncs while the body goes on arriving: at least its own offset
    assertThat(f.staging.forced).hasSizeGreaterThan(1).last().isEqualTo(3L * MIB);
    assertThat(f.staging.forced.get(0)).isGreaterThanOrEqualTo(MIB);
    assertThat(f.staging.forcedOnDaemon).contains(true);
  }

  @Test
  void a_checkpoint_counts_from_where_the_patch_started() throws IOException {
    Upload u = f.create(3L * MIB);
    byte[] data = random(3 * MIB);
    f.append(u.id(), 0, Arrays.copyOf(data, MIB / 2));
    f.repo.rows.offsetWrites.clear();
    f.append(u.id(), MIB / 2, Arrays.copyOfRange(data, MIB / 2, 3 * MIB));
    assertThat(f.repo.rows.offsetWrites).first().isEqualTo(MIB / 2 + (long) MIB);
    assertThat(f.staging.bytes(u.id())).isEqualTo(data);
  }

  @Test
  void a_checkpoint_that_cannot_fsync_fails_the_patch() {
    Upload u = f.create(3L * MIB);
    f.staging.failForce = new IOException("disk gone");
    assertThatThrownBy(() -> f.append(u.id(), 0, random(3 * MIB)))
        .isInstanceOfSatisfying(UploadException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.STAGING_UNAVAILABLE));
    assertThat(f.row(u.id()).offset()).isZero();
  }

  @Test
  void a_header_checksum_covers_exactly_this_body() throws Exception {
    byte[] data = random(300);
    Upload u = f.create(300L);
    f.append(u.id(), 0, Arrays.copyOf(data, 100));
    Checksum c = Checksum.parse(digest("sha256", "SHA-256", data, 100, 300));
    Upload done = f.writer().append(u.id(), new Patch(100, null, null, c, false, null),
        body(Arrays.copyOfRange(data, 100, 300)));
    assertThat(done.isComplete()).isTrue();
  }

  @Test
  void a_trailer_checksum_covers_exactly_this_body() throws Exception {
    byte[] data = random(300);
    Upload u = f.create(300L);
    f.append(u.id(), 0, Arrays.copyOf(data, 100));
    String good = digest("sha1", "SHA-1", data, 100, 300);
    Upload done = f.writer().append(u.id(), new Patch(100, null, null, null, true, () -> good),
        body(Arrays.copyOfRange(data, 100, 300)));
    assertThat(done.isComplete()).isTrue();
  }

  @Test
  void a_missing_or_blank_trailer_checks_nothing() throws IOException {
    for (String trailer : new String[] {null, "  "}) {
      Upload u = f.create(10L);
      Upload done = f.writer().append(u.id(), new Patch(0, null, null, null, true, () -> trailer),
          body(random(10)));
      assertThat(done.isComplete()).isTrue();
    }
  }

  @Test
  void a_malformed_trailer_is_400_and_undoes_the_body() throws IOException {
    Upload u = f.create(20L);
    f.append(u.id(), 0, random(5));
    UploadException e = refusal(u, new Patch(5, null, null, null, true, () -> "crc32 AAAA"),
        body(random(10)));
    assertThat(e.problem()).isEqualTo(Problem.BAD_REQUEST);
    assertThat(f.row(u.id()).offset()).isEqualTo(5);
    assertThat(f.staging.bytes(u.id())).hasSize(5);
  }

  @Test
  void an_unannounced_trailer_that_fails_undoes_the_checkpoints_of_its_body() throws Exception {
    Upload u = f.create(4L * MIB);
    f.append(u.id(), 0, random(100));
    String bad = "md5 " + Base64.getEncoder().encodeToString(new byte[16]);
    UploadException e = refusal(u, new Patch(100, null, null, null, false, () -> bad),
        body(random(3 * MIB)));
    assertThat(e.problem()).isEqualTo(Problem.CHECKSUM_MISMATCH);
    assertThat(f.repo.rows.offsetWrites).as("it was checkpointed").hasSizeGreaterThan(1);
    assertThat(f.row(u.id()).offset()).isEqualTo(100);
    assertThat(f.staging.bytes(u.id())).hasSize(100);
  }

  @Test
  void bytes_this_node_does_not_hold_are_503() {
    Upload u = f.create(20L);
    f.repo.put(CoreFixture.row(u.id(), UploadKind.REGULAR, UploadState.UPLOADING, 20L, 10, false,
        null, null));
    UploadException e = refusal(u, patch(10), body(random(5)));
    assertThat(e.problem()).isEqualTo(Problem.STAGING_UNAVAILABLE);
    assertThat(e.getMessage()).startsWith("this node does not hold the upload's first 10 bytes");
  }

  @Test
  void staging_that_fails_is_503_and_the_offset_stays() throws IOException {
    Upload u = f.create(20L);
    f.append(u.id(), 0, random(4));
    f.staging.failForce = new IOException("No space left on device");
    UploadException e = refusal(u, patch(4), body(random(6)));
    assertThat(e.problem()).isEqualTo(Problem.STAGING_UNAVAILABLE);
    assertThat(e.status()).isEqualTo(503);
    assertThat(e.getMessage()).doesNotContain("No space").contains("resume later");
    assertThat(f.row(u.id()).offset()).isEqualTo(4);
  }

  @Test
  void a_deferred_patch_reports_progress_without_a_length() throws IOException {
    Upload u = f.create(null);
    f.append(u.id(), 0, random(10));
    assertThat(f.events.progress).containsExactly(10L);
    assertThat(f.events.progressLengths).containsOnlyNulls();
    f.writer().append(u.id(), declaring(10, 10), InputStream.nullInputStream());
    assertThat(f.row(u.id()).isComplete()).isTrue();
  }
}
