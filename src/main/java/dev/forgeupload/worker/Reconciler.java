package dev.forgeupload.worker;

import dev.forgeupload.core.JobQueue;
import dev.forgeupload.core.StagingStore;
import dev.forgeupload.core.StoringClaims;
import dev.forgeupload.core.UploadState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes Redis agree with PostgreSQL, whatever either lost: every upload that is queued and due (or
 * storing under a silent worker) and has no pending job gets one. It also expires unfinished
 * uploads past their time and removes staged bytes nobody needs any more. Safe to run on every
 * node at once.
 */
public final class Reconciler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  private static final Duration ORPHAN_AGE = Duration.ofHours(1);

  private final StoringClaims repo;
  private final JobQueue queue;
  private final StagingStore staging;
  private final Duration claimIdle;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "reconciler");
            t.setDaemon(true);
            return t;
          });
  private long runs;
  private int failures; // consecutive failed passes (the timer's thread only)

  public Reconciler(
      StoringClaims repo, JobQueue queue, StagingStore staging, Duration claimIdle) {
    this.repo = repo;
    this.queue = queue;
    this.staging = staging;
    this.claimIdle = claimIdle;
  }

  public void start(Duration interval) {
    timer.scheduleWithFixedDelay(
        this::runQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void runQuietly() {
    try {
      runOnce();
      if (failures > 0) {
        log.info("ReconcileRecovered after={} failed passes", failures);
        failures = 0;
      }
    } catch (RuntimeException e) {
      // one line per outage (readiness logs it too), the repeats at debug
      if (failures++ == 0) {
        log.warn("ReconcileFailed error={} (retrying quietly)", e.toString());
      } else {
        log.debug("ReconcileFailed error={}", e.toString());
      }
    }
  }

  /** One pass; returns how many jobs it (re-)enqueued. */
  public int runOnce() {
    int enqueued = 0;
    for (UUID id : repo.dueForStoring(claimIdle, 1000)) {
      if (!queue.isPending(id)) {
        queue.enqueue(id);
        enqueued++;
      }
    }
    if (enqueued > 0) {
      log.info("Reenqueued count={}", enqueued);
    }
    for (UUID id : repo.expireDue(500)) {
      deleteStaged(id);
      log.info("UploadExpired id={}", id);
    }
    if (runs++ % 12 == 0) {
      collectStaging();
      staging.sweep();
    }
    return enqueued;
  }

  /** Staged files whose upload is stored, concatenated, deleted, expired, or gone (and old). */
  private void collectStaging() {
    List<StagingStore.Entry> entries = staging.list();
    for (int i = 0; i < entries.size(); i += 500) {
      List<StagingStore.Entry> batch = entries.subList(i, Math.min(entries.size(), i + 500));
      Map<UUID, UploadState> states = repo.states(batch.stream().map(StagingStore.Entry::id).toList());
      for (StagingStore.Entry e : batch) {
        UploadState s = states.get(e.id());
        // a concatenated part's file is normally deleted when it is settled; a recent one may be
        // being staged again for another final (Lifecycle restores it, then marks it uploading)
        boolean unneeded =
            s == UploadState.STORED || s == UploadState.DELETED || s == UploadState.EXPIRED
                || s == UploadState.CONCATENATED && e.age().compareTo(ORPHAN_AGE) > 0;
        boolean orphan = s == null && e.age().compareTo(ORPHAN_AGE) > 0;
        if (unneeded || orphan) {
          deleteStaged(e.id());
          log.info("StagingCollected id={} state={}", e.id(), s == null ? "none" : s.dbName());
        }
      }
    }
  }

  private void deleteStaged(UUID id) {
    try {
      staging.delete(id);
    } catch (java.io.IOException e) {
      log.warn("StagingDeleteFailed id={} error={}", id, e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
