package dev.forgeupload.db;

import static dev.forgeupload.db.SyncSql.ago;
import static dev.forgeupload.db.SyncSql.file;
import static dev.forgeupload.db.SyncSql.in;
import static dev.forgeupload.db.SyncSql.time;
import static dev.forgeupload.db.generated.Tables.SYNC_FILES;
import static dev.forgeupload.db.generated.Tables.SYNC_JOBS;
import static dev.forgeupload.db.generated.Tables.UPLOADS;

import dev.forgeupload.core.UploadState;
import dev.forgeupload.sync.SyncFile;
import dev.forgeupload.sync.SyncJob;
import dev.forgeupload.sync.SyncJobStore;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Query;
import org.jooq.QueryPart;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * {@link SyncJobStore} on PostgreSQL. A job's state and counts are computed from its files in the
 * query that reads it. A scan's lease is {@code scan_by}/{@code scan_at}, taken with {@code FOR
 * UPDATE SKIP LOCKED}; a scan's findings are written row by row, each only if the row is still
 * as the scan read it, so a file that a node uploaded meanwhile is not made due again.
 */
public final class JooqSyncJobs implements SyncJobStore {
  private static final int BATCH = 500;
  private static final String JOB_COLUMNS =
      """
      j.id, j.source_folder, j.pattern, j.owner, j.created_at,
      greatest(j.updated_at, max(f.updated_at)) AS updated_at, j.last_scan_at,
      j.last_scan_error,
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

  public JooqSyncJobs(DSLContext dsl) {
    this.dsl = dsl;
  }

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
            + " j.last_scan_at, j.last_scan_error ORDER BY j.created_at DESC, j.id DESC";
    return dsl.fetch(sql, args.toArray(new QueryPart[0])).map(JooqSyncJobs::job);
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
        r.get("last_scan_error", String.class),
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
  public void renewScans(String node) {
    dsl.update(SYNC_JOBS)
        .set(SYNC_JOBS.SCAN_AT, DSL.currentOffsetDateTime())
        .where(SYNC_JOBS.SCAN_BY.eq(node))
        .execute();
  }

  @Override
  public void finishScan(UUID jobId, String node, String error, Duration interval) {
    boolean scanned = error == null;
    Duration next = scanned ? interval : min(interval, Duration.ofSeconds(60));
    var u =
        dsl.update(SYNC_JOBS)
            .set(SYNC_JOBS.SCAN_BY, (String) null)
            .set(SYNC_JOBS.SCAN_AT, (OffsetDateTime) null)
            .set(SYNC_JOBS.NEXT_SCAN_AT, in(next))
            .set(SYNC_JOBS.LAST_SCAN_ERROR, error);
    if (scanned) {
      u = u.set(SYNC_JOBS.LAST_SCAN_AT, DSL.currentOffsetDateTime())
          .set(SYNC_JOBS.UPDATED_AT, DSL.currentOffsetDateTime());
    }
    u.where(SYNC_JOBS.ID.eq(jobId).and(SYNC_JOBS.SCAN_BY.eq(node))).execute();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
