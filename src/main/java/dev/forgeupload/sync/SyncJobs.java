package dev.forgeupload.sync;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadIds;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the API does with sync jobs: create one (its folder confined to the roots, its pattern
 * checked), list and show them with their files, scan one now, stop one. Refusals are {@link
 * UploadException}s with a reason (400 for a folder or pattern that escapes, 404 for an unknown
 * job).
 */
public final class SyncJobs {
  /** How long a scan request waits for a scan of the same job running elsewhere. */
  private static final Duration SCAN_WAIT = Duration.ofSeconds(30);

  /** One page of a listing; {@code nextCursor} is null on the last. */
  public record Page<T>(List<T> items, String nextCursor) {}

  private final SyncJobStore store;
  private final SyncRoots roots;
  private final SyncEngine engine;
  private final AuditLog audit;

  public SyncJobs(SyncJobStore store, SyncRoots roots, SyncEngine engine, AuditLog audit) {
    this.store = store;
    this.roots = roots;
    this.engine = engine;
    this.audit = audit;
  }

  /** Pattern {@code null} is {@code **}, every file. */
  public SyncJob create(String sourceFolder, String pattern, Principal who, String address) {
    String p = pattern == null ? "**" : pattern;
    try {
      Glob.compile(p);
    } catch (IllegalArgumentException e) {
      throw UploadException.badRequest(e.getMessage());
    }
    String folder = roots.confine(sourceFolder).toString();
    SyncJob job = store.create(UploadIds.newId(), folder, p, who.subject());
    audit.record(who, AuditLog.Action.SYNC_JOB_CREATED, null, address,
        Map.of("sync_job_id", job.id().toString(), "source_folder", folder, "pattern", p));
    engine.scanSoon();
    return job;
  }

  public SyncJob get(UUID id) {
    return store.find(id).orElseThrow(SyncJobs::notFound);
  }

  public Page<SyncJob> list(String cursor, int limit) {
    List<SyncJob> jobs = store.list(jobCursor(cursor), limit);
    SyncJob last = jobs.size() == limit ? jobs.get(jobs.size() - 1) : null;
    return new Page<>(
        jobs, last == null ? null : encode(last.createdAt().toString() + "|" + last.id()));
  }

  public Page<SyncFile> files(UUID id, String cursor, SyncFile.State state, int limit) {
    get(id);
    String after = cursor == null ? null : decode(cursor);
    List<SyncFile> files = store.files(id, after, state, limit);
    SyncFile last = files.size() == limit ? files.get(files.size() - 1) : null;
    return new Page<>(files, last == null ? null : encode(last.path()));
  }

  /** Scans the job now (on the caller's thread) and returns it as the scan left it. */
  public SyncJob scan(UUID id) {
    get(id);
    if (!engine.scanNow(id, SCAN_WAIT)) {
      throw new UploadException(Problem.LOCKED, "a scan of this job is running; try again");
    }
    return get(id);
  }

  public void delete(UUID id, Principal who, String address) {
    if (!store.delete(id)) {
      throw notFound();
    }
    audit.record(who, AuditLog.Action.SYNC_JOB_DELETED, null, address,
        Map.of("sync_job_id", id.toString()));
  }

  private static UploadException notFound() {
    return new UploadException(Problem.NOT_FOUND, "sync job not found");
  }

  private static SyncJobStore.JobCursor jobCursor(String cursor) {
    if (cursor == null) {
      return null;
    }
    String s = decode(cursor);
    int bar = s.indexOf('|');
    try {
      UUID id = UploadIds.parse(s.substring(bar + 1)).orElseThrow(SyncJobs::badCursor);
      return new SyncJobStore.JobCursor(OffsetDateTime.parse(s.substring(0, Math.max(0, bar))), id);
    } catch (DateTimeParseException e) {
      throw badCursor();
    }
  }

  private static String encode(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String cursor) {
    try {
      String s = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (s.indexOf('\0') >= 0) {
        throw badCursor();
      }
      return s;
    } catch (IllegalArgumentException e) {
      throw badCursor();
    }
  }

  private static UploadException badCursor() {
    return UploadException.badRequest("cursor is not one this listing returned");
  }
}
