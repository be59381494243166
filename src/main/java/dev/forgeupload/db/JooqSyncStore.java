package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.SYNC_FILES;
import static dev.forgeupload.db.generated.Tables.SYNC_JOBS;
import static dev.forgeupload.db.generated.Tables.UPLOADS;

import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadState;
import dev.forgeupload.sync.SyncFile;
import dev.forgeupload.sync.SyncJob;
import dev.forgeupload.sync.SyncStore;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Query;
import org.jooq.QueryPart;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * {@link SyncStore} on PostgreSQL. Leases are {@code claimed_by}/{@code claimed_at} on files and
 * {@code scan_by}/{@code scan_at} on jobs, taken with {@code FOR UPDATE SKIP LOCKED} so that
 * nodes never wait for each other or take the same row; every write under a lease names the
 * node in its WHERE clause. A version's upload row is written here too (not through the tus
 * write path): it is born {@code uploading} with no expiry, so neither the storage workers nor
 * the expiry touch it, and goes to {@code stored} in the transaction that marks its file.
 */
public final class JooqSyncStore implements SyncStore {
  private static final int BATCH = 500;
  private static final String JOB_COLUMNS =
      """
      j.id, j.source_folder, j.pattern, j.owner, j.created_at,
      greatest(j.updated_at, max(f.updated_at)) AS updated_at, j.last_scan_at,
      count(f.path) FILTER (WHERE f.deleted_at IS NULL) AS total_files,
      count(f.path) FILTER (WHERE f.deleted_at IS NULL AND f.state = 'uploaded') AS completed,
      count(f.path) FILTER (WHERE f.deleted_at IS NULL AND f.state = 'failed') AS failed,
      count(f.path) FILTER (WHERE f.deleted_at IS NULL AND f.state IN ('pending', 'in_progress'))
        AS active,
      coalesce(sum(f.size) FILTER (WHERE f.deleted_at IS NULL), 0)::bigint AS total_bytes,
      coalesce(sum(CASE WHEN f.state = 'uploaded' THEN f.size
                        WHEN f.state = 'in_progress' THEN least(coalesce(u."offset", 0), f.size)
                        ELSE 0 END) FILTER (WHERE f.deleted_at IS NULL), 0)::bigint AS done_bytes
      """;

  private final DSLContext dsl;

  public JooqSyncStore(DSLContext dsl) {
    this.dsl = dsl;
  }

  // ---- jobs ----

  @Override
  public SyncJob create(UUID id, String sourceFolder, String pattern, String owner) {
    dsl.insertInto(SYNC_JOBS)
        .set(SYNC_JOBS.ID, id)
        .set(SYNC_JOBS.SOURCE_FOLDER, sourceFolder)
        .set(SYNC_JOBS.PATTERN, pattern)
        .set(SYNC_JOBS.OWNER, owner)
        .execute();
    return find(id).orElseThrow();
  }

  @Override
  public Optional<SyncJob> find(UUID id) {
    return jobs("j.id = {0}", List.of(DSL.val(id)), 1).stream().findFirst();
  }

  @Override
  public List<SyncJob> list(JobCursor after, int limit) {
    if (after == null) {
      return jobs("true", List.of(), limit);
    }
    return jobs(
        "(j.created_at, j.id) < ({0}, {1})",
        List.of(DSL.val(after.createdAt()), DSL.val(after.id())), limit);
  }

  /** Jobs (not deleted) matching {@code where}, newest first, with their counts. */
  private List<SyncJob> jobs(String where, List<Field<?>> binds, int limit) {
    List<QueryPart> args = new ArrayList<>(binds);
    args.add(DSL.val(limit));
    String limitRef = "{" + binds.size() + "}";
    String sql =
        "SELECT " + JOB_COLUMNS
            + " FROM (SELECT * FROM sync_jobs j WHERE j.deleted_at IS NULL AND " + where
            + " ORDER BY j.created_at DESC, j.id DESC LIMIT " + limitRef + ") j"
            + " LEFT JOIN sync_files f ON f.job_id = j.id"
            + " LEFT JOIN uploads u ON u.id = f.upload_id AND f.state = 'in_progress'"
            + " GROUP BY j.id, j.source_folder, j.pattern, j.owner, j.created_at, j.updated_at,"
            + " j.last_scan_at ORDER BY j.created_at DESC, j.id DESC";
    return dsl.fetch(sql, args.toArray(new QueryPart[0])).map(JooqSyncStore::job);
  }

  private static SyncJob job(Record r) {
    return new SyncJob(
        r.get("id", UUID.class),
        r.get("source_folder", String.class),
        r.get("pattern", String.class),
        r.get("owner", String.class),
        r.get("created_at", OffsetDateTime.class),
        r.get("updated_at", OffsetDateTime.class),
        r.get("last_scan_at", OffsetDateTime.class),
        r.get("total_files", Long.class),
        r.get("completed", Long.class),
        r.get("failed", Long.class),
        r.get("active", Long.class),
        r.get("total_bytes", Long.class),
        r.get("done_bytes", Long.class));
  }

  @Override
  public List<SyncFile> files(UUID jobId, String afterPath, SyncFile.State state, int limit) {
    Condition c = SYNC_FILES.JOB_ID.eq(jobId);
    if (afterPath != null) {
      c = c.and(SYNC_FILES.PATH.gt(afterPath));
    }
    if (state != null) {
      c = c.and(SYNC_FILES.STATE.eq(state.dbName()));
    }
    return dsl.select(
            SYNC_FILES.PATH, SYNC_FILES.SIZE, SYNC_FILES.MTIME, SYNC_FILES.STATE,
            SYNC_FILES.UPLOAD_ID, UPLOADS.SHA256, UPLOADS.STORAGE_KEY, SYNC_FILES.ERROR,
            SYNC_FILES.DELETED_AT)
        .from(SYNC_FILES)
        .leftJoin(UPLOADS).on(UPLOADS.ID.eq(SYNC_FILES.UPLOAD_ID))
        .where(c)
        .orderBy(SYNC_FILES.PATH)
        .limit(limit)
        .fetch(
            r ->
                new SyncFile(
                    r.value1(), r.value2(), r.value3().toInstant(),
                    SyncFile.State.fromDb(r.value4()), r.value5(), r.value6(), r.value7(),
                    r.value8(), r.value9()));
  }

  @Override
  public boolean delete(UUID id) {
    return dsl.update(SYNC_JOBS)
            .set(SYNC_JOBS.DELETED_AT, DSL.currentOffsetDateTime())
            .set(SYNC_JOBS.UPDATED_AT, DSL.currentOffsetDateTime())
            .where(SYNC_JOBS.ID.eq(id).and(SYNC_JOBS.DELETED_AT.isNull()))
            .execute()
        == 1;
  }

  // ---- scans ----

  @Override
  public Optional<ScanTarget> claimDueScan(String node, Duration stale) {
    var due =
        DSL.select(SYNC_JOBS.ID)
            .from(SYNC_JOBS)
            .where(SYNC_JOBS.DELETED_AT.isNull())
            .and(SYNC_JOBS.NEXT_SCAN_AT.le(DSL.currentOffsetDateTime()))
            .and(scanFree(stale))
            .orderBy(SYNC_JOBS.NEXT_SCAN_AT)
            .limit(1)
            .forUpdate()
            .skipLocked();
    return leaseScan(SYNC_JOBS.ID.in(due), node);
  }

  @Override
  public Optional<ScanTarget> claimScan(UUID id, String node, Duration stale) {
    var free =
        DSL.select(SYNC_JOBS.ID)
            .from(SYNC_JOBS)
            .where(SYNC_JOBS.ID.eq(id).and(SYNC_JOBS.DELETED_AT.isNull()))
            .and(scanFree(stale))
            .forUpdate()
            .skipLocked();
    return leaseScan(SYNC_JOBS.ID.in(free), node);
  }

  private static Condition scanFree(Duration stale) {
    return SYNC_JOBS.SCAN_BY.isNull().or(SYNC_JOBS.SCAN_AT.lt(ago(stale)));
  }

  private Optional<ScanTarget> leaseScan(Condition which, String node) {
    return dsl.update(SYNC_JOBS)
        .set(SYNC_JOBS.SCAN_BY, node)
        .set(SYNC_JOBS.SCAN_AT, DSL.currentOffsetDateTime())
        .where(which)
        .returningResult(SYNC_JOBS.ID, SYNC_JOBS.SOURCE_FOLDER, SYNC_JOBS.PATTERN)
        .fetchOptional(r -> new ScanTarget(r.value1(), r.value2(), r.value3()));
  }

  @Override
  public void scanSoon(UUID id) {
    dsl.update(SYNC_JOBS)
        .set(SYNC_JOBS.NEXT_SCAN_AT, DSL.currentOffsetDateTime())
        .where(SYNC_JOBS.ID.eq(id))
        .execute();
  }

  @Override
  public Map<String, Known> known(UUID jobId) {
    Map<String, Known> out = new HashMap<>();
    dsl.select(
            SYNC_FILES.PATH, SYNC_FILES.SIZE, SYNC_FILES.MTIME, SYNC_FILES.STATE,
            SYNC_FILES.DELETED_AT, UPLOADS.STATE)
        .from(SYNC_FILES)
        .leftJoin(UPLOADS).on(UPLOADS.ID.eq(SYNC_FILES.UPLOAD_ID))
        .where(SYNC_FILES.JOB_ID.eq(jobId))
        .forEach(
            r -> {
              SyncFile.State state = SyncFile.State.fromDb(r.value4());
              boolean versionGone =
                  state == SyncFile.State.UPLOADED
                      && !UploadState.STORED.dbName().equals(r.value6());
              out.put(
                  r.value1(),
                  new Known(
                      r.value1(), r.value2(), r.value3().toInstant(), state, r.value5() != null,
                      versionGone));
            });
    return out;
  }

  @Override
  public void applyScan(UUID jobId, List<Due> due, List<String> back, List<String> gone) {
    List<Query> queries = new ArrayList<>();
    for (Due d : due) {
      queries.add(d.was() == null ? insertFile(jobId, d) : makeDue(jobId, d));
    }
    for (String path : back) {
      queries.add(
          dsl.update(SYNC_FILES)
              .set(SYNC_FILES.DELETED_AT, (OffsetDateTime) null)
              .set(SYNC_FILES.UPDATED_AT, DSL.currentOffsetDateTime())
              .where(file(jobId, path))
              .and(SYNC_FILES.DELETED_AT.isNotNull())
              .and(SYNC_FILES.STATE.ne(SyncFile.State.IN_PROGRESS.dbName())));
    }
    for (String path : gone) {
      queries.add(
          dsl.update(SYNC_FILES)
              .set(SYNC_FILES.DELETED_AT, DSL.currentOffsetDateTime())
              .set(SYNC_FILES.UPDATED_AT, DSL.currentOffsetDateTime())
              .where(file(jobId, path))
              .and(SYNC_FILES.DELETED_AT.isNull())
              .and(SYNC_FILES.STATE.ne(SyncFile.State.IN_PROGRESS.dbName())));
    }
    for (int i = 0; i < queries.size(); i += BATCH) {
      dsl.batch(queries.subList(i, Math.min(queries.size(), i + BATCH))).execute();
    }
  }

  private Query insertFile(UUID jobId, Due d) {
    return dsl.insertInto(SYNC_FILES)
        .set(SYNC_FILES.JOB_ID, jobId)
        .set(SYNC_FILES.PATH, d.path())
        .set(SYNC_FILES.SIZE, d.size())
        .set(SYNC_FILES.MTIME, time(d.mtime()))
        .onConflictDoNothing();
  }

  /** Pending with the new size and time, if the row is still as the scan read it. */
  private Query makeDue(UUID jobId, Due d) {
    Known was = d.was();
    return dsl.update(SYNC_FILES)
        .set(SYNC_FILES.SIZE, d.size())
        .set(SYNC_FILES.MTIME, time(d.mtime()))
        .set(SYNC_FILES.STATE, SyncFile.State.PENDING.dbName())
        .set(SYNC_FILES.ATTEMPTS, 0)
        .set(SYNC_FILES.ERROR, (String) null)
        .set(SYNC_FILES.NEXT_ATTEMPT_AT, (OffsetDateTime) null)
        .set(SYNC_FILES.DELETED_AT, (OffsetDateTime) null)
        .set(SYNC_FILES.UPDATED_AT, DSL.currentOffsetDateTime())
        .where(file(jobId, d.path()))
        .and(SYNC_FILES.STATE.eq(was.state().dbName()))
        .and(SYNC_FILES.SIZE.eq(was.size()))
        .and(SYNC_FILES.MTIME.eq(time(was.mtime())))
        .and(was.deleted() ? SYNC_FILES.DELETED_AT.isNotNull() : SYNC_FILES.DELETED_AT.isNull());
  }

  @Override
  public void finishScan(UUID jobId, String node, boolean scanned, Duration interval) {
    Duration next = scanned ? interval : min(interval, Duration.ofSeconds(60));
    var u =
        dsl.update(SYNC_JOBS)
            .set(SYNC_JOBS.SCAN_BY, (String) null)
            .set(SYNC_JOBS.SCAN_AT, (OffsetDateTime) null)
            .set(SYNC_JOBS.NEXT_SCAN_AT, in(next));
    if (scanned) {
      u = u.set(SYNC_JOBS.LAST_SCAN_AT, DSL.currentOffsetDateTime())
          .set(SYNC_JOBS.UPDATED_AT, DSL.currentOffsetDateTime());
    }
    u.where(SYNC_JOBS.ID.eq(jobId).and(SYNC_JOBS.SCAN_BY.eq(node))).execute();
  }

  // ---- file uploads ----

  @Override
  public List<FileClaim> claimFiles(String node, Duration stale, int max) {
    return dsl.fetch(
            """
            WITH claimed AS (
              UPDATE sync_files f
                 SET state = 'in_progress', claimed_by = {0}, claimed_at = now(),
                     attempts = f.attempts + 1, updated_at = now()
                FROM (SELECT s.job_id, s.path FROM sync_files s
                        JOIN sync_jobs j ON j.id = s.job_id AND j.deleted_at IS NULL
                       WHERE s.deleted_at IS NULL
                         AND s.state IN ('pending', 'in_progress')
                         AND ((s.state = 'pending'
                               AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= now()))
                           OR (s.state = 'in_progress'
                               AND s.claimed_at < now() - make_interval(secs => {1})))
                       LIMIT {2}
                       FOR UPDATE OF s SKIP LOCKED) c
               WHERE f.job_id = c.job_id AND f.path = c.path
              RETURNING f.job_id, f.path, f.attempts, f.upload_id
            )
            SELECT c.job_id, c.path, c.attempts, j.source_folder, j.owner,
                   u.id AS upload_id, u.state AS upload_state, u.length, u.sha256, u.storage_key
              FROM claimed c
              JOIN sync_jobs j ON j.id = c.job_id
              LEFT JOIN uploads u ON u.id = c.upload_id
            """,
            DSL.val(node), DSL.val(stale.toMillis() / 1000.0), DSL.val(max))
        .map(
            r -> {
              UUID uploadId = r.get("upload_id", UUID.class);
              Version v =
                  uploadId == null
                      ? null
                      : new Version(
                          uploadId, UploadState.fromDb(r.get("upload_state", String.class)),
                          r.get("length", Long.class), r.get("sha256", String.class),
                          r.get("storage_key", String.class));
              return new FileClaim(
                  r.get("job_id", UUID.class), r.get("source_folder", String.class),
                  r.get("path", String.class), r.get("owner", String.class),
                  r.get("attempts", Integer.class), v);
            });
  }

  @Override
  public void renew(String node) {
    dsl.update(SYNC_FILES)
        .set(SYNC_FILES.CLAIMED_AT, DSL.currentOffsetDateTime())
        .where(SYNC_FILES.CLAIMED_BY.eq(node))
        .and(SYNC_FILES.STATE.eq(SyncFile.State.IN_PROGRESS.dbName()))
        .execute();
    dsl.update(SYNC_JOBS)
        .set(SYNC_JOBS.SCAN_AT, DSL.currentOffsetDateTime())
        .where(SYNC_JOBS.SCAN_BY.eq(node))
        .execute();
  }

  @Override
  public boolean newVersion(FileClaim c, String node, NewVersion v) {
    return inTransaction(
        tx -> {
          tx.insertInto(UPLOADS)
              .set(UPLOADS.ID, v.uploadId())
              .set(UPLOADS.OWNER, c.owner())
              .set(UPLOADS.FILENAME, v.filename())
              .set(UPLOADS.LENGTH, v.size())
              .set(UPLOADS.OFFSET, 0L)
              .set(UPLOADS.UPLOAD_TYPE, UploadKind.REGULAR.dbName())
              .set(UPLOADS.METADATA, JSONB.valueOf(UploadRows.toJson(v.metadata())))
              .set(UPLOADS.STATE, UploadState.UPLOADING.dbName())
              .execute();
          return tx.update(SYNC_FILES)
                  .set(SYNC_FILES.UPLOAD_ID, v.uploadId())
                  .set(SYNC_FILES.UPDATED_AT, DSL.currentOffsetDateTime())
                  .where(leased(c, node))
                  .execute()
              == 1;
        });
  }

  @Override
  public void restartVersion(UUID uploadId, long size) {
    dsl.update(UPLOADS)
        .set(UPLOADS.LENGTH, size)
        .set(UPLOADS.OFFSET, 0L)
        .set(UPLOADS.STATE, UploadState.UPLOADING.dbName())
        .set(UPLOADS.ERROR, (String) null)
        .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
        .where(UPLOADS.ID.eq(uploadId))
        .and(UPLOADS.STATE.in(UploadState.UPLOADING.dbName(), UploadState.FAILED.dbName()))
        .execute();
  }

  @Override
  public void progress(UUID uploadId, long offset) {
    dsl.update(UPLOADS)
        .set(UPLOADS.OFFSET, offset)
        .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
        .where(UPLOADS.ID.eq(uploadId))
        .and(UPLOADS.STATE.eq(UploadState.UPLOADING.dbName()))
        .and(UPLOADS.LENGTH.ge(offset))
        .execute();
  }

  @Override
  public void moveObject(UUID uploadId, String storageKey) {
    dsl.update(UPLOADS)
        .set(UPLOADS.STORAGE_KEY, storageKey)
        .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
        .where(UPLOADS.ID.eq(uploadId))
        .execute();
  }

  @Override
  public boolean finishUploaded(FileClaim c, String node, UUID uploadId, Stored s) {
    return inTransaction(
        tx -> {
          int row =
              tx.update(UPLOADS)
                  .set(UPLOADS.STATE, UploadState.STORED.dbName())
                  .set(UPLOADS.LENGTH, s.size())
                  .set(UPLOADS.OFFSET, s.size())
                  .set(UPLOADS.SHA256, s.sha256())
                  .set(UPLOADS.STORAGE_KEY, s.storageKey())
                  .set(UPLOADS.CONTENT_TYPE, s.contentType())
                  .set(UPLOADS.ERROR, (String) null)
                  .set(UPLOADS.COMPLETED_AT, DSL.currentOffsetDateTime())
                  .set(UPLOADS.STORED_AT, DSL.currentOffsetDateTime())
                  .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
                  .where(UPLOADS.ID.eq(uploadId))
                  .and(UPLOADS.STATE.eq(UploadState.UPLOADING.dbName()))
                  .execute();
          if (row != 1) {
            return false;
          }
          return tx.update(SYNC_FILES)
                  .set(SYNC_FILES.STATE, SyncFile.State.UPLOADED.dbName())
                  .set(SYNC_FILES.SIZE, s.size())
                  .set(SYNC_FILES.MTIME, time(s.mtime()))
                  .set(SYNC_FILES.ERROR, (String) null)
                  .set(SYNC_FILES.ATTEMPTS, 0)
                  .set(SYNC_FILES.NEXT_ATTEMPT_AT, (OffsetDateTime) null)
                  .set(SYNC_FILES.CLAIMED_BY, (String) null)
                  .set(SYNC_FILES.CLAIMED_AT, (OffsetDateTime) null)
                  .set(SYNC_FILES.UPDATED_AT, DSL.currentOffsetDateTime())
                  .where(leased(c, node))
                  .and(SYNC_FILES.UPLOAD_ID.eq(uploadId))
                  .execute()
              == 1;
        });
  }

  @Override
  public boolean confirmUnchanged(FileClaim c, String node, long size, Instant mtime) {
    return dsl.update(SYNC_FILES)
            .set(SYNC_FILES.STATE, SyncFile.State.UPLOADED.dbName())
            .set(SYNC_FILES.SIZE, size)
            .set(SYNC_FILES.MTIME, time(mtime))
            .set(SYNC_FILES.ERROR, (String) null)
            .set(SYNC_FILES.ATTEMPTS, 0)
            .set(SYNC_FILES.NEXT_ATTEMPT_AT, (OffsetDateTime) null)
            .set(SYNC_FILES.CLAIMED_BY, (String) null)
            .set(SYNC_FILES.CLAIMED_AT, (OffsetDateTime) null)
            .set(SYNC_FILES.UPDATED_AT, DSL.currentOffsetDateTime())
            .where(leased(c, node))
            .execute()
        == 1;
  }

  @Override
  public Optional<SyncFile.State> attemptFailed(
      FileClaim c, String node, UUID uploadId, String error, int maxAttempts, Duration backoff) {
    Condition exhausted = SYNC_FILES.ATTEMPTS.ge(maxAttempts);
    Field<OffsetDateTime> retryAt =
        DSL.field(
            "now() + make_interval(secs => least(60, {0} * power(2, greatest({1} - 1, 0))))",
            OffsetDateTime.class, DSL.val(backoff.toMillis() / 1000.0), SYNC_FILES.ATTEMPTS);
    return dsl.transactionResult(
        cfg -> {
          DSLContext tx = DSL.using(cfg);
          Optional<SyncFile.State> now =
              tx.update(SYNC_FILES)
                  .set(
                      SYNC_FILES.STATE,
                      DSL.when(exhausted, DSL.inline(SyncFile.State.FAILED.dbName()))
                          .otherwise(DSL.inline(SyncFile.State.PENDING.dbName())))
                  .set(SYNC_FILES.ERROR, error)
                  .set(
                      SYNC_FILES.NEXT_ATTEMPT_AT,
                      DSL.when(exhausted, DSL.val((OffsetDateTime) null)).otherwise(retryAt))
                  .set(SYNC_FILES.CLAIMED_BY, (String) null)
                  .set(SYNC_FILES.CLAIMED_AT, (OffsetDateTime) null)
                  .set(SYNC_FILES.UPDATED_AT, DSL.currentOffsetDateTime())
                  .where(leased(c, node))
                  .returningResult(SYNC_FILES.STATE)
                  .fetchOptional(r -> SyncFile.State.fromDb(r.value1()));
          if (uploadId != null && now.isPresent()) {
            tx.update(UPLOADS)
                .set(
                    UPLOADS.STATE,
                    now.get() == SyncFile.State.FAILED
                        ? UploadState.FAILED.dbName() : UploadState.UPLOADING.dbName())
                .set(UPLOADS.ERROR, error)
                .set(UPLOADS.OFFSET, 0L)
                .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(UPLOADS.ID.eq(uploadId))
                .and(UPLOADS.STATE.eq(UploadState.UPLOADING.dbName()))
                .execute();
          }
          return now;
        });
  }

  @Override
  public void vanished(FileClaim c, String node, UUID uploadId) {
    boolean storedVersion =
        uploadId == null && c.current() != null && c.current().state() == UploadState.STORED;
    dsl.transaction(
        cfg -> {
          DSLContext tx = DSL.using(cfg);
          int n =
              tx.update(SYNC_FILES)
                  .set(
                      SYNC_FILES.STATE,
                      storedVersion
                          ? SyncFile.State.UPLOADED.dbName() : SyncFile.State.PENDING.dbName())
                  .set(SYNC_FILES.DELETED_AT, DSL.currentOffsetDateTime())
                  .set(SYNC_FILES.ATTEMPTS, 0)
                  .set(SYNC_FILES.CLAIMED_BY, (String) null)
                  .set(SYNC_FILES.CLAIMED_AT, (OffsetDateTime) null)
                  .set(SYNC_FILES.UPDATED_AT, DSL.currentOffsetDateTime())
                  .where(leased(c, node))
                  .execute();
          if (n == 1 && uploadId != null) {
            tx.update(UPLOADS)
                .set(UPLOADS.STATE, UploadState.FAILED.dbName())
                .set(UPLOADS.ERROR, "the source file disappeared while it was read")
                .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(UPLOADS.ID.eq(uploadId))
                .and(UPLOADS.STATE.eq(UploadState.UPLOADING.dbName()))
                .execute();
          }
        });
  }

  @Override
  public void release(FileClaim c, String node) {
    dsl.update(SYNC_FILES)
        .set(SYNC_FILES.STATE, SyncFile.State.PENDING.dbName())
        .set(SYNC_FILES.ATTEMPTS, DSL.greatest(SYNC_FILES.ATTEMPTS.minus(1), DSL.inline(0)))
        .set(SYNC_FILES.CLAIMED_BY, (String) null)
        .set(SYNC_FILES.CLAIMED_AT, (OffsetDateTime) null)
        .set(SYNC_FILES.UPDATED_AT, DSL.currentOffsetDateTime())
        .where(leased(c, node))
        .execute();
  }

  // ---- helpers ----

  private static Condition file(UUID jobId, String path) {
    return SYNC_FILES.JOB_ID.eq(jobId).and(SYNC_FILES.PATH.eq(path));
  }

  /** The file, still leased by {@code node}. */
  private static Condition leased(FileClaim c, String node) {
    return file(c.jobId(), c.path())
        .and(SYNC_FILES.CLAIMED_BY.eq(node))
        .and(SYNC_FILES.STATE.eq(SyncFile.State.IN_PROGRESS.dbName()));
  }

  /** Runs {@code work} in a transaction that commits only when it returns true. */
  private boolean inTransaction(java.util.function.Function<DSLContext, Boolean> work) {
    try {
      return dsl.transactionResult(
          cfg -> {
            if (!work.apply(DSL.using(cfg))) {
              throw new Rollback();
            }
            return true;
          });
    } catch (Rollback e) {
      return false;
    }
  }

  /** Undoes a transaction whose lease turned out to be lost. */
  private static final class Rollback extends RuntimeException {
    Rollback() {
      super(null, null, false, false);
    }
  }

  private static Field<OffsetDateTime> ago(Duration d) {
    return DSL.field(
        "now() - make_interval(secs => {0})", OffsetDateTime.class,
        DSL.val(d.toMillis() / 1000.0));
  }

  private static Field<OffsetDateTime> in(Duration d) {
    return DSL.field(
        "now() + make_interval(secs => {0})", OffsetDateTime.class,
        DSL.val(d.toMillis() / 1000.0));
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static OffsetDateTime time(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }
}
