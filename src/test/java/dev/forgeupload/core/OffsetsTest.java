package dev.forgeupload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** Where a body's offsets go: recorded (compare-and-set per checkpoint) or nowhere. */
class OffsetsTest {
  private final CoreFixture f = new CoreFixture();
  private final OffsetDateTime expiry = OffsetDateTime.of(2030, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);

  /** Runs nothing until told. */
  static final class HeldExecutor implements Executor {
    final List<Runnable> held = new ArrayList<>();

    @Override
    public void execute(Runnable r) {
      held.add(r);
    }

    void runAll() {
      held.forEach(Runnable::run);
      held.clear();
    }
  }

  private Offsets recorded(Upload u, Executor e) {
    return Offsets.recorded(f.repo, u.id(), u.offset(), () -> expiry, e);
  }

  @Test
  void unrecorded_offsets_go_nowhere_and_have_no_checkpoints() throws IOException {
    Offsets o = Offsets.unrecorded(7);
    assertThat(o.recorded()).isFalse();
    assertThat(o.committed()).isEqualTo(7);
    assertThat(o.idle()).isTrue();
    assertThat(o.last()).isNull();
    UUID id = UUID.randomUUID();
    try (StagingStore.Writer w = f.staging.openWriter(id, 0)) {
      assertThatThrownBy(() -> o.checkpointAsync(w, 1))
          .isInstanceOf(IllegalStateException.class);
      w.write(new byte[3], 0, 3);
      o.commitAll(w);
      o.rewind(0);
      o.await();
    }
    assertThat(f.staging.forced).containsExactly(3L);
    assertThat(o.committed()).isEqualTo(7);
  }

  @Test
  void a_checkpoint_runs_in_the_background_fsyncs_then_records() throws IOException {
    Upload u = f.create(100L);
    HeldExecutor e = new HeldExecutor();
    Offsets o = recorded(u, e);
    assertThat(o.recorded()).isTrue();
    assertThat(o.idle()).isTrue();
    try (StagingStore.Writer w = f.staging.openWriter(u.id(), 0)) {
      w.write(new byte[40], 0, 40);
      o.checkpointAsync(w, 40);
      assertThat(o.idle()).isFalse();
      assertThat(f.row(u.id()).offset()).isZero();
      e.runAll();
      o.await();
      assertThat(o.idle()).isTrue();
      assertThat(o.committed()).isEqualTo(40);
      assertThat(o.last().offset()).isEqualTo(40);
      assertThat(f.staging.forced).containsExactly(40L);
      assertThat(f.row(u.id()).offset()).isEqualTo(40);
      assertThat(f.row(u.id()).expiresAt()).isNotNull();
    }
  }

  @Test
  void commit_all_records_only_what_is_new() throws IOException {
    Upload u = f.create(100L);
    Offsets o = recorded(u, Runnable::run);
    try (StagingStore.Writer w = f.staging.openWriter(u.id(), 0)) {
      o.commitAll(w);
      assertThat(o.last()).isNull();
      assertThat(f.repo.rows.offsetWrites).isEmpty();
      w.write(new byte[5], 0, 5);
      o.commitAll(w);
      assertThat(f.repo.rows.offsetWrites).containsExactly(5L);
      assertThat(f.staging.forced).containsExactly(5L);
      o.commitAll(w);
      assertThat(f.repo.rows.offsetWrites).containsExactly(5L);
    }
  }

  @Test
  void a_row_that_moved_under_the_writer_is_409() throws IOException {
    Upload u = f.create(100L);
    Offsets o = Offsets.recorded(f.repo, u.id(), 3, () -> expiry, Runnable::run);
    try (StagingStore.Writer w = f.staging.openWriter(u.id(), 0)) {
      w.write(new byte[5], 0, 5);
      assertThatThrownBy(() -> o.commitAll(w))
          .isInstanceOfSatisfying(UploadException.class,
              e -> assertThat(e.problem()).isEqualTo(Problem.OFFSET_CHANGED));
    }
  }

  @Test
  void a_failed_checkpoint_is_thrown_by_the_next_wait_as_what_it_was() throws IOException {
    Upload u = f.create(100L);
    HeldExecutor e = new HeldExecutor();
    Offsets o = recorded(u, e);
    try (StagingStore.Writer w = f.staging.openWriter(u.id(), 0)) {
      w.write(new byte[5], 0, 5);
      f.staging.failForce = new IOException("no space");
      o.checkpointAsync(w, 5);
      e.runAll();
      assertThatThrownBy(o::await).isInstanceOf(IOException.class).hasMessage("no space");
      assertThat(o.idle()).isTrue();
      f.staging.failForce = null;
      // a record that fails comes back as its own exception
      Offsets moved = Offsets.recorded(f.repo, u.id(), 9, () -> expiry, e);
      moved.checkpointAsync(w, 5);
      e.runAll();
      assertThatThrownBy(moved::await).isInstanceOf(UploadException.class);
    }
  }

  /** Runs each task on a new thread after 50 ms: a checkpoint still running when waited for. */
  private static final Executor LATER = r -> new Thread(() -> {
    try {
      Thread.sleep(50);
    } catch (InterruptedException ignored) {
      Thread.currentThread().interrupt();
    }
    r.run();
  }).start();

  @Test
  void waiting_quietly_swallows_a_failed_checkpoint() throws IOException {
    Upload u = f.create(100L);
    Offsets o = recorded(u, LATER);
    try (StagingStore.Writer w = f.staging.openWriter(u.id(), 0)) {
      w.write(new byte[5], 0, 5);
      f.staging.failForce = new IOException("no space");
      o.checkpointAsync(w, 5);
      o.awaitQuietly();
      assertThat(o.idle()).isTrue();
      o.await(); // nothing left to throw
      assertThat(f.row(u.id()).offset()).isZero();
    }
  }

  @Test
  void waiting_quietly_waits_for_the_running_checkpoint() throws IOException {
    Upload u = f.create(100L);
    Offsets o = recorded(u, LATER);
    try (StagingStore.Writer w = f.staging.openWriter(u.id(), 0)) {
      w.write(new byte[5], 0, 5);
      o.checkpointAsync(w, 5);
      o.awaitQuietly();
      assertThat(f.row(u.id()).offset()).isEqualTo(5);
    }
  }

  @Test
  void rewind_records_the_start_again_only_when_something_moved() throws IOException {
    Upload u = f.create(100L);
    Offsets o = recorded(u, Runnable::run);
    o.rewind(0);
    assertThat(f.repo.rows.offsetWrites).isEmpty();
    try (StagingStore.Writer w = f.staging.openWriter(u.id(), 0)) {
      w.write(new byte[5], 0, 5);
      o.commitAll(w);
    }
    o.rewind(0);
    assertThat(f.repo.rows.offsetWrites).containsExactly(5L, 0L);
    assertThat(o.committed()).isZero();
    assertThat(f.row(u.id()).offset()).isZero();
  }
}
