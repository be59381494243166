package dev.forgeupload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.testing.Samples;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@link Lifecycle}: the current row (404/410), completion, retry, termination. */
class LifecycleTest {
  private final CoreFixture f = new CoreFixture();

  private Upload put(UploadKind kind, UploadState state, Long length, long offset,
      boolean complete, List<UUID> parts, String key) {
    return f.repo.put(CoreFixture.row(UUID.randomUUID(), kind, state, length, offset, complete,
        parts, key));
  }

  private static void assertProblem(Runnable r, Problem p, String message) {
    assertThatThrownBy(r::run).isInstanceOfSatisfying(UploadException.class, e -> {
      assertThat(e.problem()).isEqualTo(p);
      if (message != null) {
        assertThat(e.getMessage()).isEqualTo(message);
      }
    });
  }

  @Test
  void the_current_upload_is_404_when_unknown_and_410_when_gone() {
    assertProblem(() -> f.lifecycle().current(UUID.randomUUID()), Problem.NOT_FOUND,
        "upload not found");
    Upload deleted = put(UploadKind.REGULAR, UploadState.DELETED, 5L, 0, false, null, null);
    assertProblem(() -> f.lifecycle().current(deleted.id()), Problem.GONE, "upload is deleted");
    Upload expired = put(UploadKind.REGULAR, UploadState.EXPIRED, 5L, 0, false, null, null);
    assertProblem(() -> f.lifecycle().current(expired.id()), Problem.GONE, "upload is expired");
    Upload live = put(UploadKind.REGULAR, UploadState.UPLOADING, 5L, 0, false, null, null);
    assertThat(f.lifecycle().current(live.id())).isEqualTo(live);
    assertThat(f.lifecycle().find(live.id())).contains(live);
    assertThat(f.lifecycle().find(UUID.randomUUID())).isEmpty();
  }

  @Test
  void an_unfinished_upload_is_gone_right_after_its_expiry_and_a_finished_one_never() {
    Upload u = put(UploadKind.REGULAR, UploadState.UPLOADING, 5L, 0, false, null, null);
    Upload done = put(UploadKind.REGULAR, UploadState.QUEUED, 5L, 5, true, null, null);
    // rows expire at 2026-03-05T05:06:07Z; the clock starts a day earlier
    f.clock.advance(Duration.ofDays(1));
    assertThat(f.lifecycle().current(u.id())).isEqualTo(u);
    f.clock.advance(Duration.ofNanos(1));
    assertProblem(() -> f.lifecycle().current(u.id()), Problem.GONE, "upload is expired");
    assertThat(f.lifecycle().current(done.id())).isEqualTo(done);
    assertThat(u.isExpired(f.clock.instant().atOffset(java.time.ZoneOffset.UTC))).isTrue();
    Upload noExpiry = new Upload(UUID.randomUUID(), null, null, null, 1L, 0,
        UploadState.UPLOADING, UploadKind.REGULAR, null, java.util.Map.of(), null, null, null,
        null, null, null, null, null, null, null);
    assertThat(noExpiry.isExpired(f.clock.instant().atOffset(java.time.ZoneOffset.UTC)))
        .isFalse();
  }

  @Test
  void an_unfinished_final_is_recomputed_from_its_parts_when_read() {
    Upload a = put(UploadKind.PARTIAL, UploadState.UPLOADING, 5L, 5, true, null, null);
    Upload fin = put(UploadKind.FINAL, UploadState.UPLOADING, null, 0, false,
        List.of(a.id()), null);
    Upload now = f.lifecycle().current(fin.id());
    assertThat(now.isComplete()).isTrue();
    assertThat(now.length()).isEqualTo(5);
  }

  @Test
  void completion_counts_announces_and_enqueues_once_queued() {
    Upload u = put(UploadKind.REGULAR, UploadState.QUEUED, 5L, 5, true, null, null);
    assertThat(f.lifecycle().completed(u)).isEmpty();
    assertThat(f.metrics.completed).isEqualTo(1);
    assertThat(f.events.states).containsExactly("queued 5/5");
    assertThat(f.queue.enqueued).containsExactly(u.id());
  }

  @Test
  void a_queue_that_is_down_does_not_fail_the_completion() {
    Upload u = put(UploadKind.REGULAR, UploadState.QUEUED, 5L, 5, true, null, null);
    f.queue.fail = true;
    assertThat(f.lifecycle().completed(u)).isEmpty();
    assertThat(f.events.states).containsExactly("queued 5/5");
  }

  @Test
  void a_completed_part_completes_the_finals_that_wait_for_it() throws IOException {
    byte[] png = Samples.png(4, 4);
    Upload a = put(UploadKind.PARTIAL, UploadState.UPLOADING, 10L, 10, true, null, null);
    Upload b = put(UploadKind.PARTIAL, UploadState.UPLOADING, (long) png.length - 10, 0, false,
        null, null);
    f.staging.put(a.id(), Arrays.copyOf(png, 10));
    Upload fin = put(UploadKind.FINAL, UploadState.UPLOADING, null, 0, false,
        List.of(a.id(), b.id()), null);
    Upload other = put(UploadKind.FINAL, UploadState.UPLOADING, null, 0, false,
        List.of(b.id(), UUID.randomUUID()), null);
    f.append(b.id(), 0, Arrays.copyOfRange(png, 10, png.length));
    assertThat(f.row(fin.id()).isComplete()).isTrue();
    assertThat(f.queue.enqueued).containsExactly(fin.id());
    assertThat(f.row(other.id()).isComplete()).isFalse();
    assertThat(f.metrics.completed).isEqualTo(2);
  }

  @Test
  void a_final_rejected_by_its_content_is_not_counted_or_enqueued() {
    Upload a = put(UploadKind.PARTIAL, UploadState.UPLOADING, 600L, 600, true, null, null);
    f.staging.put(a.id(), Samples.windowsExe(600));
    Upload fin = put(UploadKind.FINAL, UploadState.QUEUED, 600L, 600, true, List.of(a.id()),
        null);
    Optional<UploadException> r = f.lifecycle().completed(fin);
    assertThat(r).isPresent();
    assertThat(r.get().status()).isEqualTo(415);
    assertThat(f.metrics.completed).isZero();
    assertThat(f.queue.enqueued).isEmpty();
    assertThat(f.row(fin.id()).state()).isEqualTo(UploadState.FAILED);
  }

  @Test
  void retry_requeues_only_a_failed_upload_that_was_complete() {
    assertProblem(() -> f.lifecycle().retry(UUID.randomUUID()), Problem.NOT_FOUND, null);
    Upload rejected = f.repo.put(new Upload(UUID.randomUUID(), null, null, null, 5L, 0,
        UploadState.FAILED, UploadKind.REGULAR, null, java.util.Map.of(), null, null, null,
        "content is x", null, null, null, null, null, null));
    assertProblem(() -> f.lifecycle().retry(rejected.id()), Problem.NOT_RETRYABLE,
        "this upload was rejected before it was complete and cannot be retried: content is x");
    Upload queued = put(UploadKind.REGULAR, UploadState.QUEUED, 5L, 5, true, null, null);
    assertProblem(() -> f.lifecycle().retry(queued.id()), Problem.NOT_FAILED,
        "only a failed upload can be retried; this one is queued");
    Upload failed = put(UploadKind.REGULAR, UploadState.FAILED, 5L, 5, true, null, null);
    Upload after = f.lifecycle().retry(failed.id());
    assertThat(after.state()).isEqualTo(UploadState.QUEUED);
    assertThat(f.events.states).containsExactly("queued 5/5");
    assertThat(f.queue.enqueued).containsExactly(failed.id());
  }

  @Test
  void staged_bytes_are_dropped_after_storing_except_for_a_final_which_has_none()
      throws IOException {
    Upload u = put(UploadKind.REGULAR, UploadState.STORED, 5L, 5, true, null, "k");
    f.staging.put(u.id(), new byte[5]);
    f.lifecycle().dropStaged(u);
    assertThat(f.staging.deleted).containsExactly(u.id());
    Upload fin = put(UploadKind.FINAL, UploadState.STORED, 5L, 5, true, List.of(u.id()), "k2");
    f.lifecycle().dropStaged(fin);
    assertThat(f.staging.deleted).containsExactly(u.id());
  }

  @Test
  void terminating_removes_the_bytes_everywhere_once() throws IOException {
    assertProblem(() -> {
      try {
        f.lifecycle().terminate(UUID.randomUUID());
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }, Problem.NOT_FOUND, null);
    Upload stored = put(UploadKind.REGULAR, UploadState.STORED, 5L, 5, true, null, "obj/key");
    f.objects.objects.put("obj/key", new byte[5]);
    f.lifecycle().terminate(stored.id());
    assertThat(f.row(stored.id()).state()).isEqualTo(UploadState.DELETED);
    assertThat(f.staging.deleted).containsExactly(stored.id());
    assertThat(f.objects.deleted).containsExactly("obj/key");
    assertThat(f.events.states).containsExactly("deleted 5/5");
    assertThat(f.metrics.terminated).isEqualTo(1);
    f.lifecycle().terminate(stored.id());
    assertThat(f.metrics.terminated).as("once").isEqualTo(1);
    assertThat(f.staging.deleted).hasSize(1);
    Upload unfinished = put(UploadKind.REGULAR, UploadState.UPLOADING, 5L, 2, false, null, null);
    f.lifecycle().terminate(unfinished.id());
    assertThat(f.objects.deleted).containsExactly("obj/key");
    assertThat(f.staging.deleted).contains(unfinished.id());
  }
}
