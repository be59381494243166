package dev.forgeupload.worker;

import dev.forgeupload.core.JobQueue;
import dev.forgeupload.core.ObjectKeys;
import dev.forgeupload.core.ObjectStore;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadEvents;
import dev.forgeupload.core.UploadMetrics;
import dev.forgeupload.core.StagingStore;
import dev.forgeupload.core.StoringClaims;
import dev.forgeupload.core.Uploads;
import dev.forgeupload.core.UploadState;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.io.input.CountingInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Takes jobs from the queue and stores finished uploads: claim in PostgreSQL ({@code storing}),
 * stream staging to the object store while hashing (SHA-256) and counting, record key and digest
 * ({@code stored}), drop the staged bytes. Redelivery is harmless: the claim decides who works, the
 * key is derived from the upload, and a stored upload is not stored again. A job whose upload is
 * not in this database belongs to another deployment on the same Redis: it is left for it.
 */
public final class StoreWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreWorker.class);
  /** At stop, how long a store in progress may go on before it is cut off and given back. */
  static final Duration STOP_GRACE = Duration.ofSeconds(5);

  /** Tuning of the worker pool. */
  public record Settings(
      int concurrency, int maxAttempts, Duration backoff, Duration claimIdle) {}

  private final StoringClaims repo;
  private final Uploads uploads;
  private final JobQueue queue;
  private final ObjectStore store;
  private final UploadEvents events;
  private final Settings settings;
  private final UploadMetrics metrics;
  private final String node = "w-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<Thread> threads = new ArrayList<>();
  private final ScheduledExecutorService renewals =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "claim-renewal");
            t.setDaemon(true);
            return t;
          });
  private volatile boolean running = true;
  private volatile boolean aborting;
  private final AtomicLong lastLeftWarning = new AtomicLong(System.nanoTime() - 120_000_000_000L);
  private final AtomicInteger leftSinceWarning = new AtomicInteger();

  public StoreWorker(
      StoringClaims repo,
      Uploads uploads,
      JobQueue queue,
      ObjectStore store,
      UploadEvents events,
      Settings settings) {
    this(repo, uploads, queue, store, events, settings, UploadMetrics.NONE);
  }

  public StoreWorker(
      StoringClaims repo,
      Uploads uploads,
      JobQueue queue,
      ObjectStore store,
      UploadEvents events,
      Settings settings,
      UploadMetrics metrics) {
    this.metrics = metrics;
    this.repo = repo;
    this.uploads = uploads;
    this.queue = queue;
    this.store = store;
    this.events = events;
    this.settings = settings;
  }

  public void start() {
    for (int i = 0; i < settings.concurrency(); i++) {
      String consumer = node + "-" + i;
      Thread t = new Thread(() -> loop(consumer), "worker-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    log.info("WorkersStarted node={} concurrency={}", node, settings.concurrency());
  }

  private void loop(String consumer) {
    long lastClaim = 0;
    int failures = 0;
    while (running) {
      try {
        if (System.nanoTime() - lastClaim > settings.claimIdle().toNanos() / 2) {
          lastClaim = System.nanoTime();
          for (JobQueue.Job stale : queue.claimStale(consumer, settings.claimIdle(), 10)) {
            log.info("JobReclaimed id={} message={}", stale.uploadId(), stale.messageId());
            process(consumer, stale);
          }
        }
        Optional<JobQueue.Job> job = queue.next(consumer, Duration.ofSeconds(1));
        if (failures > 0) {
          log.info("WorkerLoopRecovered consumer={} after={} errors", consumer, failures);
          failures = 0;
        }
        if (job.isPresent()) {
          process(consumer, job.get());
        }
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        // one line per outage, not one a second: readiness logs the outage too
        if (failures++ == 0) {
          log.warn("WorkerLoopError consumer={} error={} (retrying quietly)", consumer,
              e.toString());
        } else {
          log.debug("WorkerLoopError consumer={} error={}", consumer, e.toString());
        }
        pause(Math.min(5000, 1000L * failures));
      }
    }
  }

  void process(String consumer, JobQueue.Job job) {
    if (job.uploadId() == null) {
      queue.ack(job);
      return;
    }
    UUID id = job.uploadId();
    MDC.put("upload_id", id.toString());
    try {
      Optional<Upload> claimed = repo.claimForStoring(id, consumer, settings.claimIdle());
      if (claimed.isEmpty()) {
        if (!repo.states(List.of(id)).containsKey(id)) {
          // another deployment's upload (same Redis namespace, other database): its job
          queue.leave(job);
          logLeft(id, job);
          return;
        }
        log.debug("JobSkipped id={}: not due, already stored, deleted, or stored elsewhere", id);
        queue.ack(job);
        return;
      }
      Upload u = claimed.get();
      events.state(id, UploadState.STORING, u.offset(), u.length());
      // three renewals per claim interval: a live worker is never taken for a silent one
      long period = Math.max(100, settings.claimIdle().toMillis() / 3);
      ScheduledFuture<?> renewal =
          renewals.scheduleAtFixedRate(
              () -> renewQuietly(job, consumer), period, period, TimeUnit.MILLISECONDS);
      try {
        store(consumer, u);
      } catch (Exception e) {
        if (aborting) {
          renewal.cancel(false);
          giveBack(consumer, job, u);
          return;
        }
        String error = e.getMessage() == null ? e.toString() : e.getMessage();
        if (error.length() > 500) {
          error = error.substring(0, 500);
        }
        Optional<Upload> after =
            repo.markAttemptFailed(
                id, consumer, error, settings.maxAttempts(), settings.backoff());
        after.ifPresent(a -> events.state(id, a.state(), a.offset(), a.length()));
        if (after.isPresent()) {
          metrics.storeFailed(after.get().state() == UploadState.FAILED);
        }
        log.warn(
            "StoreFailed id={} next_state={} error={}",
            id,
            after.map(a -> a.state().dbName()).orElse("claim lost"),
            error);
      } finally {
        renewal.cancel(false);
      }
      queue.ack(job);
    } finally {
      MDC.remove("upload_id");
    }
  }

  private void store(String consumer, Upload u) throws IOException {
    Optional<UploadException> rejected = uploads.gate().checkFinal(u);
    if (rejected.isPresent()) {
      // queued by the statement that completed it, before (or, after a crash, without) the
      // check at completion: rejected now, failed and not complete; nothing to store
      log.info("StoreRefused id={} reason={}", u.id(), rejected.get().getMessage());
      return;
    }
    if (u.kind() == UploadKind.FINAL) {
      u = uploads.lifecycle().find(u.id()).orElse(u); // the check stored the content type
    }
    String key = ObjectKeys.of(u);
    long length = u.length();
    long started = System.nanoTime();
    // S3 staging: the multipart upload becomes the object (size checked), no bytes copied
    Optional<StagingStore.InPlace> inPlace = uploads.lifecycle().storeInPlace(u);
    String digest;
    if (inPlace.isPresent()) {
      key = inPlace.get().key();
      digest = inPlace.get().sha256();
    } else {
      MessageDigest sha = sha256();
      CountingInputStream counted;
      try (InputStream in = uploads.reader().open(u, 0, length)) {
        counted = new CountingInputStream(new DigestInputStream(new Abortable(in), sha));
        store.put(key, counted, length, contentType(u));
      }
      if (counted.getByteCount() != length) {
        throw new IOException(
            "staged bytes are " + counted.getByteCount() + " long, the upload is " + length);
      }
      digest = HexFormat.of().formatHex(sha.digest());
    }
    if (!repo.markStored(u.id(), consumer, key, digest)) {
      // Deleted while we stored it (or taken over after we went silent).
      if (repo.states(List.of(u.id())).get(u.id()) == UploadState.DELETED) {
        store.delete(key);
      }
      log.info("StoreClaimLost id={}", u.id());
      return;
    }
    metrics.stored(length);
    uploads.lifecycle().dropStaged(u);
    events.state(u.id(), UploadState.STORED, u.offset(), u.length());
    double secs = (System.nanoTime() - started) / 1e9;
    log.info(
        "UploadStored id={} bytes={} key={} seconds={} mb_per_s={}",
        u.id(), length, key, String.format("%.3f", secs),
        String.format("%.1f", length / 1e6 / Math.max(secs, 1e-6)));
  }

  private static String contentType(Upload u) {
    String t = u.contentType();
    return t == null || t.isBlank() || t.length() > 200 || !t.matches("[\\w.+-]+/[\\w.+-]+")
        ? "application/octet-stream"
        : t;
  }

  /** At warning level once a minute (it means a shared FORGE_REDIS_PREFIX), else debug. */
  private void logLeft(UUID id, JobQueue.Job job) {
    long now = System.nanoTime();
    long last = lastLeftWarning.get();
    int n = leftSinceWarning.incrementAndGet();
    if (now - last > 60_000_000_000L && lastLeftWarning.compareAndSet(last, now)) {
      leftSinceWarning.set(0);
      log.warn("JobLeftForOwner id={} message={} left_since_last_warning={}: the upload is not "
          + "in this database; another deployment with the same FORGE_REDIS_PREFIX owns it",
          id, job.messageId(), n);
    } else {
      log.debug("JobLeftForOwner id={} message={}", id, job.messageId());
    }
  }

  /**
   * The claim in PostgreSQL (what the reconciler and other workers' claims look at) and the job's
   * idle time in Redis (what {@link JobQueue#claimStale} looks at): both stay fresh while this
   * worker stores, so only a worker that went silent loses its job.
   */
  private void renewQuietly(JobQueue.Job job, String consumer) {
    try {
      if (repo.renewClaim(job.uploadId(), consumer)) {
        queue.touch(job, consumer);
      }
    } catch (RuntimeException e) {
      log.warn("ClaimRenewalFailed id={} error={}", job.uploadId(), e.toString());
    }
  }

  /**
   * Stopping cut this store off: the claim goes back ({@code queued}, the attempt not counted)
   * and the job goes back to the queue, so the next worker (here after a restart, or elsewhere)
   * takes it at once instead of after the claim interval.
   */
  private void giveBack(String consumer, JobQueue.Job job, Upload u) {
    UUID id = job.uploadId();
    try {
      if (repo.releaseClaim(id, consumer)) {
        events.state(id, UploadState.QUEUED, u.offset(), u.length());
        queue.ack(job);
        queue.enqueue(id);
        log.info("StoreInterrupted id={}: worker stopping, queued again for the next worker", id);
      } else {
        queue.ack(job);
      }
    } catch (RuntimeException e) {
      // the claim goes stale and is taken over after the claim interval
      log.info("StoreInterrupted id={}: worker stopping, could not give it back: {}", id,
          e.toString());
    }
  }

  /** The staged bytes, until the worker is told to stop. */
  private final class Abortable extends java.io.FilterInputStream {
    Abortable(InputStream in) {
      super(in);
    }

    private void check() throws IOException {
      if (aborting) {
        throw new IOException("worker stopping");
      }
    }

    @Override
    public int read() throws IOException {
      check();
      return super.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      check();
      return super.read(b, off, len);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sleeps up to {@code ms}, less when the worker is told to stop. */
  private void pause(long ms) {
    long until = System.nanoTime() + ms * 1_000_000;
    try {
      while (running && System.nanoTime() < until) {
        Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Takes no new job; a store in progress gets {@link #STOP_GRACE} to finish, then is cut off and
   * given back ({@link #giveBack}). Returns once the worker threads ended (or after another
   * grace), before the services they use are stopped.
   */
  @Override
  public void close() {
    running = false;
    if (!joinAll(STOP_GRACE)) {
      aborting = true;
      joinAll(STOP_GRACE);
    }
    renewals.shutdownNow();
  }

  private boolean joinAll(Duration grace) {
    long deadline = System.nanoTime() + grace.toNanos();
    for (Thread t : threads) {
      try {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return threads.stream().noneMatch(Thread::isAlive);
  }
}
