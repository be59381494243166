package dev.forgeupload.sync;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.core.UploadEvents;
import dev.forgeupload.core.UploadMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's share of the sync work: a monitor that scans every job whose scan is due (every
 * {@code scanInterval}, or at once when asked), and {@code concurrency} uploaders fed by a poller
 * that leases due files from PostgreSQL. A renewal keeps this node's leases alive; when the node
 * dies they go stale and another node (or this one, restarted) takes the work over. Idle, it asks
 * PostgreSQL once per {@code poll} for scans and once for files; work it creates itself (a scan
 * that found files, a finished upload) wakes it at once.
 */
public final class SyncEngine implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);

  /** Tuning: files at once, time between scans, lease staleness, retries, idle polling. */
  public record Settings(
      int concurrency, Duration scanInterval, Duration lease, int maxAttempts, Duration backoff,
      Duration poll) {}

  private final SyncJobStore jobs;
  private final SyncFileStore files;
  private final FolderScanner scanner;
  private final SyncUploader uploader;
  private final Settings settings;
  private final String node = "s-" + UUID.randomUUID().toString().substring(0, 8);
  private final Semaphore slots;
  private final Object scanSignal = new Object();
  private final Object workSignal = new Object();
  private final ExecutorService pool;
  private final ScheduledExecutorService renewals;
  private final Thread monitor;
  private final Thread poller;
  private volatile boolean running = true;

  public SyncEngine(
      SyncJobStore jobs, SyncFileStore files, SyncObjects objects, SyncRoots roots,
      UploadEvents events, AuditLog audit, UploadMetrics metrics, Settings settings) {
    this.jobs = jobs;
    this.files = files;
    this.scanner = new FolderScanner(roots);
    this.settings = settings;
    this.uploader =
        new SyncUploader(
            files, objects, roots, events, audit, metrics,
            new SyncUploader.Settings(
                settings.maxAttempts(), settings.backoff(), Duration.ofSeconds(1)),
            node, () -> !running);
    this.slots = new Semaphore(settings.concurrency());
    this.pool = Executors.newFixedThreadPool(settings.concurrency(), daemon("sync-upload"));
    this.renewals = Executors.newSingleThreadScheduledExecutor(daemon("sync-renewal"));
    this.monitor = daemon("sync-monitor").newThread(this::monitorLoop);
    this.poller = daemon("sync-poller").newThread(this::pollLoop);
  }

  public void start() {
    long period = Math.max(500, settings.lease().toMillis() / 3);
    renewals.scheduleAtFixedRate(this::renewQuietly, period, period, TimeUnit.MILLISECONDS);
    monitor.start();
    poller.start();
    log.info("SyncStarted node={} concurrency={} scan_interval={}", node,
        settings.concurrency(), settings.scanInterval());
  }

  String node() {
    return node;
  }

  /** Wakes the monitor: a job was created or asked to be scanned. */
  void scanSoon() {
    synchronized (scanSignal) {
      scanSignal.notifyAll();
    }
  }

  /**
   * Scans {@code id} now on this thread, waiting up to {@code wait} for a scan of it that runs
   * elsewhere; false when that one still holds the lease.
   */
  boolean scanNow(UUID id, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      Optional<SyncJobStore.ScanTarget> t = jobs.claimScan(id, node, settings.lease());
      if (t.isPresent()) {
        scan(t.get());
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep(200);
    }
  }

  private void monitorLoop() {
    while (running) {
      try {
        Optional<SyncJobStore.ScanTarget> due = jobs.claimDueScan(node, settings.lease());
        if (due.isPresent()) {
          scan(due.get());
          continue;
        }
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        log.warn("SyncMonitorError error={}", e.toString());
      }
      await(scanSignal, settings.poll());
    }
  }

  /** Why a scan failed, as the job shows it: the reason, not the exception's class. */
  static String scanError(Exception e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "the folder does not exist";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "the folder cannot be read (permission denied)";
    }
    String m = e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
    return m.length() > 500 ? m.substring(0, 500) : m;
  }

  /** One scan under the lease: walk, compare, record; nothing is read but directory entries. */
  private void scan(SyncJobStore.ScanTarget t) {
    long started = System.nanoTime();
    String error = null;
    try {
      FolderScanner.Result seen =
          scanner.scan(Path.of(t.sourceFolder()), Glob.compile(t.pattern()));
      ScanPlan plan = ScanPlan.of(seen, jobs.known(t.id()));
      jobs.applyScan(t.id(), plan.due(), plan.back(), plan.gone());
      log.info("SyncScanned job={} files={} due={} back={} gone={} seconds={}", t.id(),
          seen.files().size(), plan.due().size(), plan.back().size(), plan.gone().size(),
          String.format("%.3f", (System.nanoTime() - started) / 1e9));
    } catch (IOException | RuntimeException e) {
      error = scanError(e);
      log.warn("SyncScanFailed job={} error={}", t.id(), e.toString());
    } finally {
      jobs.finishScan(t.id(), node, error, settings.scanInterval());
    }
    wakeWork();
  }

  private void wakeWork() {
    synchronized (workSignal) {
      workSignal.notifyAll();
    }
  }

  private void pollLoop() {
    while (running) {
      try {
        int free = slots.availablePermits();
        if (free > 0) {
          List<SyncFileStore.FileClaim> claims = files.claimFiles(node, settings.lease(), free);
          for (SyncFileStore.FileClaim c : claims) {
            slots.acquireUninterruptibly();
            pool.execute(() -> run(c));
          }
          if (claims.size() == free) {
            continue; // there may be more: take them as slots free up
          }
        }
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        log.warn("SyncPollError error={}", e.toString());
      }
      await(workSignal, settings.poll());
    }
  }

  private void run(SyncFileStore.FileClaim c) {
    try {
      uploader.upload(c);
    } catch (RuntimeException e) {
      log.warn("SyncUploadError path={} error={}", c.path(), e.toString());
    } finally {
      slots.release();
      wakeWork();
    }
  }

  private void renewQuietly() {
    try {
      files.renewFiles(node);
      jobs.renewScans(node);
    } catch (RuntimeException e) {
      log.warn("SyncRenewalFailed error={}", e.toString());
    }
  }

  private void await(Object signal, Duration d) {
    synchronized (signal) {
      if (!running) {
        return;
      }
      try {
        signal.wait(Math.max(1, d.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Stops taking work; uploads in flight get a few seconds to finish, then are interrupted and
   * their files given back (pending, the attempt not counted) for the next node.
   */
  @Override
  public void close() {
    running = false;
    scanSoon();
    wakeWork();
    join(monitor);
    join(poller);
    pool.shutdown();
    try {
      if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
        pool.shutdownNow();
        pool.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    renewals.shutdownNow();
    log.info("SyncStopped node={}", node);
  }

  private static void join(Thread t) {
    try {
      t.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
