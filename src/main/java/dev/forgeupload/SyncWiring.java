package dev.forgeupload;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.config.Config;
import dev.forgeupload.config.SyncConfig;
import dev.forgeupload.db.JooqSyncFiles;
import dev.forgeupload.db.JooqSyncJobs;
import dev.forgeupload.http.ErrorWriter;
import dev.forgeupload.http.SyncJobsServlet;
import dev.forgeupload.objectstore.MinioObjectStore;
import dev.forgeupload.sync.SyncEngine;
import dev.forgeupload.sync.SyncJobs;
import dev.forgeupload.sync.SyncObjects;
import dev.forgeupload.sync.SyncRoots;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;

/**
 * Sync jobs, in server mode when {@code FORGE_SYNC_ROOTS} is set: this node's engine (monitor and
 * uploaders, stopped through {@link Started}) and the servlet of their routes. Leases go stale
 * after {@code FORGE_WORKER_CLAIM_IDLE_SECONDS} and failed files retry like the storage workers'
 * uploads ({@code FORGE_WORKER_MAX_ATTEMPTS}, {@code FORGE_WORKER_BACKOFF_SECONDS}).
 */
final class SyncWiring {
  private static final Duration POLL = Duration.ofSeconds(2);

  private SyncWiring() {}

  /** The servlets to add (none when sync jobs are off). */
  static Map<String, HttpServlet> servlets(
      Config config, Backends b, AuditLog audit, ErrorWriter errors, Started started) {
    SyncConfig c = config.sync();
    if (!c.enabled()) {
      return Map.of();
    }
    SyncRoots roots;
    try {
      roots = new SyncRoots(c.roots());
    } catch (IllegalArgumentException e) {
      throw new Config.ConfigException("FORGE_SYNC_ROOTS: " + e.getMessage());
    }
    JooqSyncJobs jobs = new JooqSyncJobs(b.db().dsl());
    SyncEngine engine =
        started.add(
            new SyncEngine(
                jobs, new JooqSyncFiles(b.db().dsl()), objects(b.objects()), roots, b.events(), audit, b.metrics(),
                new SyncEngine.Settings(
                    c.concurrency(), c.scanInterval(), config.worker().claimIdle(),
                    config.worker().maxAttempts(), config.worker().backoff(), POLL)));
    engine.start();
    return Map.of(
        SyncJobsServlet.PATH, new SyncJobsServlet(new SyncJobs(jobs, roots, engine, audit), errors));
  }

  private static SyncObjects objects(MinioObjectStore s3) {
    return new SyncObjects() {
      @Override
      public void put(String key, InputStream in, long size, String contentType)
          throws IOException {
        s3.put(key, in, size, contentType);
      }

      @Override
      public void copy(String from, String to) throws IOException {
        s3.copy(from, to);
      }

      @Override
      public long size(String key) throws IOException {
        return s3.size(key);
      }
    };
  }
}
