package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.UPLOADS;

import dev.forgeupload.core.Upload;
import dev.forgeupload.core.StoringClaims;
import dev.forgeupload.core.UploadState;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

/** {@link StoringClaims} on PostgreSQL: which worker stores which upload, and retries. */
public final class JooqStoringClaims implements StoringClaims {
  private final DSLContext dsl;

  public JooqStoringClaims(DSLContext dsl) {
    this.dsl = dsl;
  }

  private static Condition due() {
    return UPLOADS.STATE.eq(UploadState.QUEUED.dbName())
        .and(UPLOADS.NEXT_ATTEMPT_AT.isNull().or(UPLOADS.NEXT_ATTEMPT_AT.le(DSL.currentOffsetDateTime())));
  }

  private static Condition silentWorker(Duration staleAfter) {
    return UPLOADS.STATE.eq(UploadState.STORING.dbName())
        .and(
            DSL.condition(
                "{0} < now() - make_interval(secs => {1})",
                UPLOADS.CLAIMED_AT,
                DSL.val(staleAfter.toMillis() / 1000.0)));
  }

  @Override
  public Optional<Upload> claimForStoring(UUID id, String worker, Duration staleAfter) {
    return dsl.update(UPLOADS)
        .set(UPLOADS.STATE, UploadState.STORING.dbName())
        .set(UPLOADS.CLAIMED_BY, worker)
        .set(UPLOADS.CLAIMED_AT, DSL.currentOffsetDateTime())
        .set(UPLOADS.ATTEMPTS, UPLOADS.ATTEMPTS.plus(1))
        .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
        .where(UPLOADS.ID.eq(id))
        .and(due().or(silentWorker(staleAfter)))
        .returning()
        .fetchOptional()
        .map(UploadRows::toUpload);
  }

  @Override
  public boolean renewClaim(UUID id, String worker) {
    return dsl.update(UPLOADS)
            .set(UPLOADS.CLAIMED_AT, DSL.currentOffsetDateTime())
            .where(UPLOADS.ID.eq(id).and(UPLOADS.CLAIMED_BY.eq(worker)))
            .and(UPLOADS.STATE.eq(UploadState.STORING.dbName()))
            .execute()
        == 1;
  }

  @Override
  public boolean releaseClaim(UUID id, String worker) {
    return dsl.update(UPLOADS)
            .set(UPLOADS.STATE, UploadState.QUEUED.dbName())
            .set(UPLOADS.CLAIMED_BY, (String) null)
            .set(UPLOADS.CLAIMED_AT, (OffsetDateTime) null)
            .set(UPLOADS.NEXT_ATTEMPT_AT, (OffsetDateTime) null)
            .set(UPLOADS.ATTEMPTS, DSL.greatest(UPLOADS.ATTEMPTS.minus(1), DSL.inline(0)))
            .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
            .where(UPLOADS.ID.eq(id))
            .and(UPLOADS.STATE.eq(UploadState.STORING.dbName()))
            .and(UPLOADS.CLAIMED_BY.eq(worker))
            .execute()
        == 1;
  }

  @Override
  public boolean markStored(UUID id, String worker, String storageKey, String sha256) {
    return dsl.update(UPLOADS)
            .set(UPLOADS.STATE, UploadState.STORED.dbName())
            .set(UPLOADS.STORAGE_KEY, storageKey)
            .set(UPLOADS.SHA256, sha256)
            .set(UPLOADS.STORED_AT, DSL.currentOffsetDateTime())
            .set(UPLOADS.ERROR, (String) null)
            .set(UPLOADS.CLAIMED_BY, (String) null)
            .set(UPLOADS.CLAIMED_AT, (OffsetDateTime) null)
            .set(UPLOADS.NEXT_ATTEMPT_AT, (OffsetDateTime) null)
            .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
            .where(UPLOADS.ID.eq(id))
            .and(UPLOADS.STATE.eq(UploadState.STORING.dbName()))
            .and(UPLOADS.CLAIMED_BY.eq(worker))
            .execute()
        == 1;
  }

  @Override
  public Optional<Upload> markAttemptFailed(
      UUID id, String worker, String error, int maxAttempts, Duration backoffBase) {
    Condition exhausted = UPLOADS.ATTEMPTS.ge(maxAttempts);
    Field<OffsetDateTime> retryAt =
        DSL.field(
            "now() + make_interval(secs => least(60, {0} * power(2, greatest({1} - 1, 0))))",
            OffsetDateTime.class,
            DSL.val(backoffBase.toMillis() / 1000.0),
            UPLOADS.ATTEMPTS);
    return dsl.update(UPLOADS)
        .set(
            UPLOADS.STATE,
            DSL.when(exhausted, DSL.inline(UploadState.FAILED.dbName()))
                .otherwise(DSL.inline(UploadState.QUEUED.dbName())))
        .set(UPLOADS.ERROR, error)
        .set(
            UPLOADS.NEXT_ATTEMPT_AT,
            DSL.when(exhausted, DSL.val((OffsetDateTime) null)).otherwise(retryAt))
        .set(UPLOADS.CLAIMED_BY, (String) null)
        .set(UPLOADS.CLAIMED_AT, (OffsetDateTime) null)
        .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
        .where(UPLOADS.ID.eq(id))
        .and(UPLOADS.STATE.eq(UploadState.STORING.dbName()))
        .and(UPLOADS.CLAIMED_BY.eq(worker))
        .returning()
        .fetchOptional()
        .map(UploadRows::toUpload);
  }

  @Override
  public List<UUID> dueForStoring(Duration staleAfter, int limit) {
    return dsl.select(UPLOADS.ID)
        .from(UPLOADS)
        .where(due().or(silentWorker(staleAfter)))
        .orderBy(UPLOADS.QUEUED_AT)
        .limit(limit)
        .fetch(UPLOADS.ID);
  }

  @Override
  public List<UUID> expireDue(int limit) {
    var due =
        DSL.select(UPLOADS.ID)
            .from(UPLOADS)
            .where(UPLOADS.STATE.eq(UploadState.UPLOADING.dbName()))
            .and(UPLOADS.COMPLETED_AT.isNull())
            .and(UPLOADS.EXPIRES_AT.lt(DSL.currentOffsetDateTime()))
            .limit(limit)
            .forUpdate()
            .skipLocked();
    return dsl.update(UPLOADS)
        .set(UPLOADS.STATE, UploadState.EXPIRED.dbName())
        .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
        .where(UPLOADS.ID.in(due))
        .returningResult(UPLOADS.ID)
        .fetch(UPLOADS.ID);
  }

  @Override
  public Map<UUID, UploadState> states(Collection<UUID> ids) {
    Map<UUID, UploadState> out = new java.util.HashMap<>();
    dsl.select(UPLOADS.ID, UPLOADS.STATE)
        .from(UPLOADS)
        .where(UPLOADS.ID.in(ids))
        .forEach(r -> out.put(r.value1(), UploadState.fromDb(r.value2())));
    return out;
  }
}
