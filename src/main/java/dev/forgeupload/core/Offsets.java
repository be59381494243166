package dev.forgeupload.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the offsets of a body being written go. {@link #recorded} (a PATCH): into the upload's row
 * as they become durable, a checkpoint at a time. {@link #unrecorded} (a creation-with-upload):
 * nowhere; the caller inserts the row with the end offset afterwards.
 */
abstract class Offsets {
  private static final Logger log = LoggerFactory.getLogger(Offsets.class);

  /** True when offsets reach the repository during the body (checkpoints are possible). */
  abstract boolean recorded();

  /** The offset recorded so far (the start, when nothing is recorded). */
  abstract long committed();

  /** No checkpoint is running. */
  abstract boolean idle();

  /** fsync, then record {@code position}, in the background (at most one at a time). */
  abstract void checkpointAsync(StagingStore.Writer w, long position) throws IOException;

  /** Waits for the running checkpoint; its failure is thrown here. */
  abstract void await() throws IOException;

  /** Makes everything written durable and records it. */
  abstract void commitAll(StagingStore.Writer w) throws IOException;

  /** Records {@code start} again (a body that had to be undone). */
  abstract void rewind(long start);

  /** The row after the last record, or null when nothing was recorded. */
  abstract Upload last();

  final void awaitQuietly() {
    if (idle()) {
      return;
    }
    try {
      await();
    } catch (IOException | RuntimeException e) {
      log.warn("CheckpointFailed error={}", e.toString());
    }
  }

  static Offsets unrecorded(long start) {
    return new Offsets() {
      @Override
      boolean recorded() {
        return false;
      }

      @Override
      long committed() {
        return start;
      }

      @Override
      boolean idle() {
        return true;
      }

      @Override
      void checkpointAsync(StagingStore.Writer w, long position) {
        throw new IllegalStateException("an unrecorded body has no checkpoints");
      }

      @Override
      void await() {}

      @Override
      void commitAll(StagingStore.Writer w) throws IOException {
        w.force();
      }

      @Override
      void rewind(long to) {}

      @Override
      Upload last() {
        return null;
      }
    };
  }

  static Offsets recorded(
      UploadRepository repo, UUID id, long start, Supplier<OffsetDateTime> expiry,
      Executor checkpoints) {
    return new Recorded(repo, id, start, expiry, checkpoints);
  }

  /**
   * A checkpoint runs in the background (fsync, then the offset) so the disk flushes while the
   * network keeps delivering; at most one is in flight, and it is awaited before anything else
   * records. Each record is a compare-and-set on the previous offset.
   */
  private static final class Recorded extends Offsets {
    private final UploadRepository repo;
    private final UUID id;
    private final Supplier<OffsetDateTime> expiry;
    private final Executor checkpoints;
    private volatile long committed;
    private volatile Upload last;
    private CompletableFuture<Void> pending;

    Recorded(UploadRepository repo, UUID id, long start, Supplier<OffsetDateTime> expiry,
        Executor checkpoints) {
      this.repo = repo;
      this.id = id;
      this.committed = start;
      this.expiry = expiry;
      this.checkpoints = checkpoints;
    }

    @Override
    boolean recorded() {
      return true;
    }

    @Override
    long committed() {
      return committed;
    }

    @Override
    Upload last() {
      return last;
    }

    private void record(long newOffset) {
      last =
          repo.advanceOffset(id, committed, newOffset, expiry.get())
              .orElseThrow(
                  () -> new UploadException(Problem.OFFSET_CHANGED,
                      "the upload changed while this request wrote to it"));
      committed = newOffset;
    }

    @Override
    boolean idle() {
      return pending == null || pending.isDone();
    }

    @Override
    void checkpointAsync(StagingStore.Writer w, long position) throws IOException {
      await();
      pending =
          CompletableFuture.runAsync(
              () -> {
                long durable;
                try {
                  durable = w.checkpoint(position);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
                if (durable != committed) {
                  record(durable);
                }
              },
              checkpoints);
    }

    @Override
    void await() throws IOException {
      if (pending == null) {
        return;
      }
      try {
        pending.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof UncheckedIOException io) {
          throw io.getCause();
        }
        throw e.getCause() instanceof RuntimeException r ? r : e;
      } finally {
        pending = null;
      }
    }

    @Override
    void commitAll(StagingStore.Writer w) throws IOException {
      await();
      if (w.position() > committed) {
        w.force();
        record(w.position());
      }
    }

    @Override
    void rewind(long start) {
      if (committed != start) {
        repo.advanceOffset(id, committed, start, expiry.get());
        committed = start;
      }
    }
  }
}
