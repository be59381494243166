package dev.forgeupload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A creation-with-upload whose body brings a small upload whole keeps its bytes with its row
 * ({@link UploadRepository#createWhole}); anything else is staged.
 */
class InlineBodyTest {
  private static final int LIMIT = 1000;
  private final CoreFixture f =
      new CoreFixture(ContentPolicy.defaults(), OwnerLimits.NONE, 1L << 30, Duration.ZERO, LIMIT);

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private Upload create(long length, byte[] body, Patch p) throws IOException {
    NewUpload n = f.newUpload(null, length, UploadKind.REGULAR, null, null);
    return f.writer().createWithBody(n, p, new ByteArrayInputStream(body));
  }

  @Test
  void a_whole_body_within_the_limit_is_kept_with_its_row_and_never_staged() throws IOException {
    byte[] body = random(LIMIT);
    Upload u = create(LIMIT, body, CoreFixture.patch(0));
    assertThat(u.offset()).isEqualTo(LIMIT);
    assertThat(u.state()).isEqualTo(UploadState.QUEUED);
    assertThat(f.repo.rows.inline.get(u.id())).isEqualTo(body);
    assertThat(f.staging.forced).as("no staging fsync").isEmpty();
    assertThat(f.queue.enqueued).contains(u.id());
    assertThat(f.uploads.reader().open(u, 0, LIMIT).readAllBytes()).isEqualTo(body);
  }

  @Test
  void a_body_short_of_its_length_is_staged_and_durable() throws IOException {
    byte[] body = random(300);
    Upload u = create(LIMIT, body, CoreFixture.patch(0));
    assertThat(u.offset()).isEqualTo(300);
    assertThat(f.repo.rows.inline).doesNotContainKey(u.id());
    assertThat(f.staging.bytes(u.id())).isEqualTo(body);
    assertThat(f.staging.forced).containsExactly(300L);
  }

  @Test
  void a_short_body_that_staging_cannot_keep_is_a_503_and_creates_nothing() {
    f.staging.failForce = new IOException("disk gone");
    NewUpload n = f.newUpload(null, (long) LIMIT, UploadKind.REGULAR, null, null);
    assertThatThrownBy(() -> f.writer().createWithBody(n, CoreFixture.patch(0),
            new ByteArrayInputStream(random(300))))
        .isInstanceOfSatisfying(UploadException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.STAGING_UNAVAILABLE));
    assertThat(f.repo.find(n.id())).isEmpty();
  }

  @Test
  void an_upload_over_the_limit_or_with_a_trailer_checksum_is_staged() throws IOException {
    byte[] big = random(LIMIT + 1);
    Upload over = create(LIMIT + 1, big, CoreFixture.patch(0));
    assertThat(f.repo.rows.inline).doesNotContainKey(over.id());
    assertThat(f.staging.bytes(over.id())).isEqualTo(big);

    byte[] small = random(10);
    Upload trailer = create(10, small, new Patch(0, null, null, null, true, () -> null));
    assertThat(f.repo.rows.inline).doesNotContainKey(trailer.id());
    assertThat(f.staging.bytes(trailer.id())).isEqualTo(small);
  }

  @Test
  void a_body_longer_than_its_length_is_refused_and_nothing_is_kept() {
    NewUpload n = f.newUpload(null, 10L, UploadKind.REGULAR, null, null);
    assertThatThrownBy(() -> f.writer().createWithBody(n, CoreFixture.patch(0),
            new ByteArrayInputStream(random(11))))
        .isInstanceOfSatisfying(UploadException.class,
            e -> assertThat(e.status()).isEqualTo(413));
    assertThat(f.repo.rows.inline).isEmpty();
    assertThat(f.repo.find(n.id())).isEmpty();
  }

  @Test
  void a_rejected_small_executable_is_failed_and_not_kept() {
    byte[] elf = Arrays.copyOf(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1}, 200);
    NewUpload n = f.newUpload(null, 200L, UploadKind.REGULAR, null, "a.bin");
    assertThatThrownBy(() -> f.writer().createWithBody(n, CoreFixture.patch(0),
            new ByteArrayInputStream(elf)))
        .isInstanceOf(UploadException.class);
    assertThat(f.repo.rows.inline).isEmpty();
    assertThat(f.repo.find(n.id()).map(Upload::state)).hasValue(UploadState.FAILED);
  }
}
