package dev.forgeupload.db;

import static dev.forgeupload.db.SyncSql.file;
import static dev.forgeupload.db.SyncSql.time;
import static dev.forgeupload.db.generated.Tables.SYNC_FILES;
import static dev.forgeupload.db.generated.Tables.UPLOADS;

import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadState;
import dev.forgeupload.sync.SyncFile;
import dev.forgeupload.sync.SyncFileStore;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * {@link SyncFileStore} on PostgreSQL. A file's lease is {@code claimed_by}/{@code claimed_at},
 * taken with {@code FOR UPDATE SKIP LOCKED} so that nodes never wait for each other or take the
 * same file; every write under a lease names the node in its WHERE clause. A version's upload row
 * is written here too (not through the tus write path): it is born {@code uploading} with no
 * expiry, so neither the storage workers nor the expiry touch it, and goes to {@code stored} in
 * the transaction that marks its file uploaded.
 */
public final class JooqSyncFiles implements SyncFileStore {
  private final DSLContext dsl;

  public JooqSyncFiles(DSLContext dsl) {
    this.dsl = dsl;
  }

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
  public void renewFiles(String node) {
    dsl.update(SYNC_FILES)
        .set(SYNC_FILES.CLAIMED_AT, DSL.currentOffsetDateTime())
        .where(SYNC_FILES.CLAIMED_BY.eq(node))
        .and(SYNC_FILES.STATE.eq(SyncFile.State.IN_PROGRESS.dbName()))
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

  /** The file, still leased by {@code node}. */
  private static Condition leased(FileClaim c, String node) {
    return file(c.jobId(), c.path())
        .and(SYNC_FILES.CLAIMED_BY.eq(node))
        .and(SYNC_FILES.STATE.eq(SyncFile.State.IN_PROGRESS.dbName()));
  }

  /** Runs {@code work} in a transaction that commits only when it returns true. */
  private boolean inTransaction(Function<DSLContext, Boolean> work) {
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
}
