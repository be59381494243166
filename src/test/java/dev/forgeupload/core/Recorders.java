package dev.forgeupload.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Fakes of the core's outbound ports that record what they were told. */
final class Recorders {
  private Recorders() {}

  /** {@link UploadEvents}: every state event as "state offset/length", progress counted. */
  static final class Events implements UploadEvents {
    final List<String> states = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<Long> progress = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<Long> progressLengths = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public void progress(UUID id, long offset, Long length) {
      progress.add(offset);
      progressLengths.add(length);
    }

    @Override
    public void state(UUID id, UploadState state, long offset, Long length) {
      states.add(state.dbName() + " " + offset + "/" + length);
    }
  }

  /** {@link UploadMetrics} as counters. */
  static final class Metrics implements UploadMetrics {
    int created;
    long received;
    int completed;
    int terminated;

    @Override
    public void created() {
      created++;
    }

    @Override
    public synchronized void bytesReceived(long bytes) {
      received += bytes;
    }

    @Override
    public void completed() {
      completed++;
    }

    @Override
    public void stored(long bytes) {}

    @Override
    public void storeFailed(boolean gaveUp) {}

    @Override
    public void terminated() {
      terminated++;
    }
  }

  /** {@link JobQueue}: what was enqueued; {@code fail} makes enqueue throw (Redis down). */
  static final class Queue implements JobQueue {
    final List<UUID> enqueued = java.util.Collections.synchronizedList(new ArrayList<>());
    volatile boolean fail;

    @Override
    public void enqueue(UUID uploadId) {
      if (fail) {
        throw new IllegalStateException("redis is down");
      }
      enqueued.add(uploadId);
    }

    @Override
    public boolean isPending(UUID uploadId) {
      return enqueued.contains(uploadId);
    }

    @Override
    public Optional<Job> next(String consumer, Duration block) {
      return Optional.empty();
    }

    @Override
    public List<Job> claimStale(String consumer, Duration minIdle, int count) {
      return List.of();
    }

    @Override
    public void ack(Job job) {}

    @Override
    public void touch(Job job, String consumer) {}

    @Override
    public void leave(Job job) {}

    @Override
    public boolean isReachable() {
      return !fail;
    }

    @Override
    public void close() {}
  }
}
