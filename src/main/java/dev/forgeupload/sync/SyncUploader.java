package dev.forgeupload.sync;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.ContentPolicy;
import dev.forgeupload.core.Metadata;
import dev.forgeupload.core.UploadEvents;
import dev.forgeupload.core.UploadIds;
import dev.forgeupload.core.UploadMetrics;
import dev.forgeupload.core.UploadState;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Uploads one leased file: straight from the source to {@code sync/<job id>/<path>} (multipart
 * above the part size), SHA-256 and byte count on the way, size checked in S3 afterwards. A file
 * whose size, modification time or identity differ before and after a read changed while it was
 * read: it is read again (up to {@link #MAX_READS} times). A file that already has a stored
 * version and the same size is hashed first: the same digest means only its time changed, and
 * no new version is made. Otherwise the previous version's object is copied to its own key
 * ({@code sync-versions/<job id>/<upload id>/<path>}) before the new one replaces it, so every
 * version's upload keeps downloading its own bytes.
 */
final class SyncUploader {
  private static final Logger log = LoggerFactory.getLogger(SyncUploader.class);
  static final int MAX_READS = 5;
  private static final int MAX_KEY_BYTES = 1024;

  /** Retries of a file (attempts, base of the exponential backoff) and how often offsets are saved. */
  record Settings(int maxAttempts, Duration backoff, Duration progressInterval) {}

  private final SyncFileStore store;
  private final SyncObjects objects;
  private final SyncRoots roots;
  private final UploadEvents events;
  private final AuditLog audit;
  private final UploadMetrics metrics;
  private final Settings settings;
  private final String node;
  private final BooleanSupplier stopping;

  SyncUploader(
      SyncFileStore store, SyncObjects objects, SyncRoots roots, UploadEvents events, AuditLog audit,
      UploadMetrics metrics, Settings settings, String node, BooleanSupplier stopping) {
    this.store = store;
    this.objects = objects;
    this.roots = roots;
    this.events = events;
    this.audit = audit;
    this.metrics = metrics;
    this.settings = settings;
    this.node = node;
    this.stopping = stopping;
  }

  static String objectKey(UUID jobId, String path) {
    return "sync/" + jobId + "/" + path;
  }

  static String versionKey(UUID jobId, UUID uploadId, String path) {
    String k = "sync-versions/" + jobId + "/" + uploadId + "/" + path;
    return k.getBytes(StandardCharsets.UTF_8).length <= MAX_KEY_BYTES
        ? k : "sync-versions/" + jobId + "/" + uploadId;
  }

  void upload(SyncFileStore.FileClaim c) {
    MDC.put("sync_job", c.jobId().toString());
    UUID uploadId = null;
    try {
      String key = objectKey(c.jobId(), c.path());
      if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
        throw new SourceFile.Refused("the path is too long for an object key (1024 bytes)");
      }
      SourceFile file = SourceFile.resolve(Path.of(c.sourceFolder()), c.path(), roots);
      SourceFile.Stat first = file.stat();
      SyncFileStore.Version cur = c.current();
      if (cur != null && cur.state() == UploadState.STORED) {
        if (unchanged(c, file, first, cur)) {
          return;
        }
        keepPrevious(c, cur, key);
        uploadId = newVersion(c, first.size());
      } else if (cur != null
          && (cur.state() == UploadState.UPLOADING || cur.state() == UploadState.FAILED)) {
        uploadId = cur.uploadId(); // this version's row, from an attempt that did not finish
        store.restartVersion(uploadId, first.size());
      } else {
        uploadId = newVersion(c, first.size());
      }
      if (uploadId == null) {
        log.info("SyncLeaseLost path={}", c.path());
        return;
      }
      events.state(uploadId, UploadState.UPLOADING, 0, first.size());
      long started = System.nanoTime();
      SyncFileStore.Stored stored = read(file, key, uploadId, first.size());
      if (!store.finishUploaded(c, node, uploadId, stored)) {
        log.info("SyncLeaseLost path={} upload={}", c.path(), uploadId);
        return;
      }
      events.state(uploadId, UploadState.STORED, stored.size(), stored.size());
      metrics.stored(stored.size());
      audit.record(actor(c), AuditLog.Action.UPLOAD_FINISHED, uploadId, null,
          Map.of("sync_job_id", c.jobId().toString(), "bytes", stored.size(),
              "sha256", stored.sha256()));
      double secs = (System.nanoTime() - started) / 1e9;
      log.info("SyncFileUploaded path={} upload={} bytes={} seconds={}", c.path(), uploadId,
          stored.size(), String.format("%.3f", secs));
    } catch (NoSuchFileException e) {
      store.vanished(c, node, uploadId);
      failedEvent(uploadId);
      log.info("SyncFileVanished path={}", c.path());
    } catch (SourceFile.Refused e) {
      fail(c, uploadId, e.getMessage(), 1);
    } catch (IOException | RuntimeException e) {
      if (stopping.getAsBoolean()) {
        store.release(c, node);
        log.info("SyncFileReleased path={} reason=stopping", c.path());
        return;
      }
      fail(c, uploadId, message(e), settings.maxAttempts());
    } finally {
      MDC.remove("sync_job");
    }
  }

  /** Same size as the stored version: same content (by SHA-256) means nothing to upload. */
  private boolean unchanged(
      SyncFileStore.FileClaim c, SourceFile file, SourceFile.Stat first, SyncFileStore.Version cur)
      throws IOException {
    if (cur.length() == null || cur.length() != first.size() || cur.sha256() == null) {
      return false;
    }
    String digest;
    try (InputStream in = file.open()) {
      digest = ReadPass.digest(in);
    }
    if (!file.stat().sameAs(first) || !digest.equals(cur.sha256())) {
      return false;
    }
    store.confirmUnchanged(c, node, first.size(), first.mtime());
    log.info("SyncFileUnchanged path={} reason=same_sha256", c.path());
    return true;
  }

  private void keepPrevious(SyncFileStore.FileClaim c, SyncFileStore.Version cur, String key)
      throws IOException {
    if (!key.equals(cur.storageKey())) {
      return; // moved already (an earlier attempt got this far)
    }
    String kept = versionKey(c.jobId(), cur.uploadId(), c.path());
    objects.copy(key, kept);
    store.moveObject(cur.uploadId(), kept);
    log.info("SyncVersionKept path={} upload={} key={}", c.path(), cur.uploadId(), kept);
  }

  private UUID newVersion(SyncFileStore.FileClaim c, long size) {
    UUID id = UploadIds.newId();
    String name = c.path().substring(c.path().lastIndexOf('/') + 1);
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("filename", name);
    metadata.put("sync_job_id", c.jobId().toString());
    metadata.put("sync_path", c.path());
    if (!store.newVersion(
        c, node, new SyncFileStore.NewVersion(id, Metadata.sanitizeFilename(name), metadata, size))) {
      return null;
    }
    audit.record(actor(c), AuditLog.Action.UPLOAD_CREATED, id, null,
        Map.of("sync_job_id", c.jobId().toString(), "path", c.path(), "length", size));
    return id;
  }

  /** Reads until one read saw the file the same before and after; then checks the object. */
  private SyncFileStore.Stored read(SourceFile file, String key, UUID uploadId, long length)
      throws IOException {
    long current = length;
    for (int pass = 1; ; pass++) {
      SourceFile.Stat before = file.stat();
      if (before.size() != current) {
        current = before.size();
        store.restartVersion(uploadId, current);
      }
      Attempt a = readOnce(file, key, uploadId, before.size());
      SourceFile.Stat after = file.stat();
      if (a.error == null && after.sameAs(before) && a.count == before.size()) {
        long inStore = objects.size(key);
        if (inStore != before.size()) {
          throw new IOException(
              "the stored object is " + inStore + " bytes, the file " + before.size());
        }
        return new SyncFileStore.Stored(before.size(), before.mtime(), a.sha256, key, a.contentType);
      }
      if (after.sameAs(before) && a.error != null) {
        throw a.error; // a failure of its own, not a change of the file
      }
      if (pass == MAX_READS) {
        throw new IOException("the file changed while it was read, " + MAX_READS + " times");
      }
      log.info("SyncFileChanged upload={} pass={} size_before={} size_after={}", uploadId, pass,
          before.size(), after.size());
    }
  }

  private record Attempt(long count, String sha256, String contentType, IOException error) {}

  private Attempt readOnce(SourceFile file, String key, UUID uploadId, long size) {
    long[] saved = {System.nanoTime()};
    long every = settings.progressInterval().toNanos();
    try (InputStream raw = file.open()) {
      byte[] head = raw.readNBytes((int) Math.min(ContentPolicy.SNIFF_BYTES, size));
      String type = head.length == 0
          ? ContentPolicy.OCTET_STREAM : ContentPolicy.detect(head, head.length).toString();
      ReadPass in =
          new ReadPass(
              new SequenceInputStream(new ByteArrayInputStream(head), raw),
              n -> {
                events.progress(uploadId, n, size);
                if (System.nanoTime() - saved[0] >= every && n < size) {
                  saved[0] = System.nanoTime();
                  store.progress(uploadId, n);
                }
              });
      objects.put(key, in, size, type);
      return new Attempt(in.count(), in.sha256Hex(), type, null);
    } catch (IOException e) {
      return new Attempt(-1, null, null, e); // a shrinking file ends early: the stat tells
    }
  }

  private void fail(SyncFileStore.FileClaim c, UUID uploadId, String error, int maxAttempts) {
    Optional<SyncFile.State> now =
        store.attemptFailed(c, node, uploadId, error, maxAttempts, settings.backoff());
    if (now.isPresent() && now.get() == SyncFile.State.FAILED) {
      failedEvent(uploadId);
    }
    log.warn("SyncFileFailed path={} upload={} attempt={} next_state={} error={}", c.path(),
        uploadId, c.attempts(), now.map(SyncFile.State::dbName).orElse("lease lost"), error);
  }

  private void failedEvent(UUID uploadId) {
    if (uploadId != null) {
      events.state(uploadId, UploadState.FAILED, 0, null);
    }
  }

  private static Principal actor(SyncFileStore.FileClaim c) {
    return new Principal(c.owner(), true, "sync");
  }

  private static String message(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return m.length() > 500 ? m.substring(0, 500) : m;
  }
}
