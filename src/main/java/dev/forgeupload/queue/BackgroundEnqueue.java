package dev.forgeupload.queue;

import dev.forgeupload.core.JobQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path's {@link JobQueue}: {@link #enqueue} returns at once and a background thread
 * adds the jobs, all that arrived meanwhile in one round trip ({@link JobQueue#enqueueAll}). The
 * job is only a wake-up call: the row is {@code queued} in PostgreSQL before anyone enqueues, and
 * a job lost here (Redis away, a crash before the thread ran) is added by the reconciler. So a
 * 201/204 does not wait for Redis. Everything else goes straight to the queue it wraps.
 */
public final class BackgroundEnqueue implements JobQueue {
  private static final Logger log = LoggerFactory.getLogger(BackgroundEnqueue.class);
  private static final int MAX_BATCH = 256;

  private final JobQueue queue;
  private final LinkedBlockingQueue<UUID> pending = new LinkedBlockingQueue<>();
  private final Thread sender;
  private volatile boolean closed;

  public BackgroundEnqueue(JobQueue queue) {
    this.queue = queue;
    this.sender = new Thread(this::run, "enqueue");
    sender.setDaemon(true);
    sender.start();
  }

  @Override
  public void enqueue(UUID uploadId) {
    if (closed) {
      queue.enqueue(uploadId);
      return;
    }
    pending.add(uploadId);
  }

  private void run() {
    List<UUID> batch = new ArrayList<>();
    while (!closed || !pending.isEmpty()) {
      try {
        UUID first = pending.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        pending.drainTo(batch, MAX_BATCH - 1);
        send(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        batch.clear();
      }
    }
  }

  private void send(List<UUID> batch) {
    try {
      queue.enqueueAll(batch);
    } catch (RuntimeException e) {
      log.warn("EnqueueFailed uploads={} error={} (the reconciler will retry)", batch.size(),
          e.toString());
    }
  }

  @Override
  public boolean isPending(UUID uploadId) {
    return queue.isPending(uploadId);
  }

  @Override
  public Optional<Job> next(String consumer, Duration block) {
    return queue.next(consumer, block);
  }

  @Override
  public List<Job> claimStale(String consumer, Duration minIdle, int count) {
    return queue.claimStale(consumer, minIdle, count);
  }

  @Override
  public void touch(Job job, String consumer) {
    queue.touch(job, consumer);
  }

  @Override
  public void ack(Job job) {
    queue.ack(job);
  }

  @Override
  public void leave(Job job) {
    queue.leave(job);
  }

  @Override
  public boolean isReachable() {
    return queue.isReachable();
  }

  /** Sends what is still waiting (the wrapped queue is closed by its owner). */
  @Override
  public void close() {
    closed = true;
    try {
      sender.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
