package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.UPLOADS;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.core.ConcatParts;
import dev.forgeupload.core.NewUpload;
import dev.forgeupload.core.OwnerLimits;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadRepository;
import dev.forgeupload.core.UploadState;
import dev.forgeupload.db.generated.tables.records.UploadsRecord;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/** {@link UploadRepository} on PostgreSQL through jOOQ's generated classes. */
public final class JooqUploadRepository implements UploadRepository {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, String>> MAP = new TypeReference<>() {};

  private final DSLContext dsl;
  /** A reservation counts while its upload's lock was renewed within this lease. */
  private final Duration lockLease;

  public JooqUploadRepository(DSLContext dsl, Duration lockLease) {
    this.dsl = dsl;
    this.lockLease = lockLease;
  }

  @Override
  public Upload create(NewUpload n, long offset, String contentType, OwnerLimits limits) {
    boolean limited = n.owner() != null && limits.any();
    if (!limited && n.kind() != UploadKind.FINAL) {
      return insert(dsl, n, offset, contentType);
    }
    return dsl.transactionResult(
        cfg -> {
          if (!limited) {
            DSLContext tx = DSL.using(cfg);
            lockUsableParts(tx, n);
            return insert(tx, n, offset, contentType);
          }
          DSLContext tx = lockOwner(DSL.using(cfg), n.owner());
          lockUsableParts(tx, n);
          OwnerLimits.Usage before = usage(tx, n.owner(), null, 0);
          limits.check(n.owner(), before, 0, true);
          Upload u = insert(tx, n, offset, contentType);
          if (limits.quotaBytes() > 0) {
            // What the new row adds, measured rather than predicted: a final upload takes over
            // its parts' bytes (a part no final lists counts on its own), so only the database
            // knows.
            long added = usage(tx, n.owner(), null, 0).bytes() - before.bytes();
            limits.check(n.owner(), before, added, false); // throws: the insert rolls back
          }
          return u;
        });
  }

  /**
   * A final's parts, share-locked until the insert commits: {@link #settleParts} (which locks
   * them exclusively) either ran before and this sees what it decided, or runs after and sees
   * this final.
   */
  private static void lockUsableParts(DSLContext tx, NewUpload n) {
    if (n.kind() != UploadKind.FINAL || n.concatParts() == null || n.concatParts().isEmpty()) {
      return;
    }
    tx.selectFrom(UPLOADS)
        .where(UPLOADS.ID.in(n.concatParts()))
        .orderBy(UPLOADS.ID)
        .forShare()
        .fetch()
        .forEach(r -> ConcatParts.checkUsable(UploadRows.toUpload(r)));
  }

  /** One owner's quota decisions queue up here, so checks and writes don't interleave. */
  private static DSLContext lockOwner(DSLContext tx, String owner) {
    tx.select(DSL.field("pg_advisory_xact_lock(hashtextextended({0}, 7))", owner)).fetch();
    return tx;
  }

  @Override
  public OwnerLimits.Usage usage(String owner) {
    return usage(dsl, owner, null, 0);
  }

  @Override
  public boolean declareLength(UUID id, long length, String owner, OwnerLimits limits) {
    if (owner == null || limits.quotaBytes() <= 0) {
      return declareLength(dsl, id, length);
    }
    return dsl.transactionResult(
        cfg -> {
          DSLContext tx = lockOwner(DSL.using(cfg), owner);
          long current = currentOffset(tx, id);
          OwnerLimits.Usage now = usage(tx, owner, id, current);
          long after = usage(tx, owner, id, length).bytes();
          new OwnerLimits(limits.quotaBytes(), 0).check(owner, now, after - now.bytes(), false);
          return declareLength(tx, id, length);
        });
  }

  @Override
  public long reserve(UUID id, String owner, long quotaBytes, long wantEnd) {
    return dsl.transactionResult(
        cfg -> {
          DSLContext tx = lockOwner(DSL.using(cfg), owner);
          long offset = currentOffset(tx, id);
          long here = usage(tx, owner, id, offset).bytes();
          // a part listed by finals counts once per final: each byte may cost more than one
          long perByte = Math.max(1, usage(tx, owner, id, offset + 1).bytes() - here);
          long end = Math.min(wantEnd, offset + Math.max(0, quotaBytes - here) / perByte);
          end = Math.max(end, offset);
          tx.update(UPLOADS).set(UPLOADS.RESERVED_END, end).where(UPLOADS.ID.eq(id)).execute();
          return end;
        });
  }

  @Override
  public void release(UUID id) {
    dsl.update(UPLOADS)
        .set(UPLOADS.RESERVED_END, (Long) null)
        .where(UPLOADS.ID.eq(id))
        .and(UPLOADS.RESERVED_END.isNotNull())
        .execute();
  }

  private static long currentOffset(DSLContext tx, UUID id) {
    Long o = tx.select(UPLOADS.OFFSET).from(UPLOADS).where(UPLOADS.ID.eq(id)).fetchOne(UPLOADS.OFFSET);
    return o == null ? 0 : o;
  }

  /**
   * What {@code owner} holds: every upload in a held state counts its declared length, or while
   * its length is deferred its offset (or the end a running PATCH reserved, while the upload's
   * lock lease is alive); a final counts its parts' bytes, and a part that a final lists counts
   * through that final only (so a part listed by two finals counts twice: two objects will be
   * stored). Uploads rejected before completion hold nothing (their bytes are gone). Unfinished
   * = not yet complete (a complete part waiting for its final is not unfinished). With {@code
   * what} set, that upload is counted as if it reached {@code reach} bytes.
   */
  private OwnerLimits.Usage usage(DSLContext ctx, String owner, UUID what, long reach) {
    var r =
        ctx.fetchOne(
            """
            WITH held AS (
              SELECT u.id, u.upload_type, u.length, u.concat_parts, u.state, u.completed_at,
                     CASE
                       WHEN u.id = {0} THEN {1}
                       WHEN u.reserved_end > u."offset" AND EXISTS (
                         SELECT 1 FROM upload_locks l WHERE l.upload_id = u.id
                           AND l.heartbeat_at > now() - make_interval(secs => {2}))
                         THEN u.reserved_end
                       ELSE u."offset"
                     END AS reach
              FROM uploads u
              WHERE u.owner = {3}
                AND u.state IN ('uploading', 'queued', 'storing', 'stored', 'failed')
                AND (u.state <> 'failed' OR u.completed_at IS NOT NULL)
            )
            SELECT
              coalesce(sum(
                CASE
                  WHEN h.upload_type = 'final' THEN coalesce(
                    CASE WHEN h.id = {0} THEN h.reach END, h.length,
                    (SELECT sum(coalesce(p.length, p.reach)) FROM held p
                      WHERE p.id = ANY(h.concat_parts)), 0)
                  WHEN h.upload_type = 'partial' AND EXISTS (
                    SELECT 1 FROM held f
                    WHERE f.upload_type = 'final' AND f.concat_parts @> ARRAY[h.id]) THEN 0
                  WHEN h.id = {0} THEN h.reach
                  ELSE coalesce(h.length, h.reach)
                END), 0)::bigint AS bytes,
              count(*) FILTER (WHERE h.state = 'uploading' AND h.completed_at IS NULL) AS active
            FROM held h
            """,
            DSL.val(what, UUID.class),
            DSL.val(reach),
            DSL.val(lockLease.toMillis() / 1000.0),
            DSL.val(owner));
    return new OwnerLimits.Usage(r.get(0, Long.class), r.get(1, Integer.class));
  }

  private Upload insert(DSLContext dsl, NewUpload n, long offset, String contentType) {
    boolean complete =
        n.length() != null && n.length() == offset && n.kind() != UploadKind.FINAL;
    boolean queued = complete && n.kind() == UploadKind.REGULAR;
    UploadsRecord r =
        dsl.insertInto(UPLOADS)
            .set(UPLOADS.ID, n.id())
            .set(UPLOADS.OWNER, n.owner())
            .set(UPLOADS.FILENAME, n.filename())
            .set(UPLOADS.CONTENT_TYPE, contentType)
            .set(UPLOADS.LENGTH, n.length())
            .set(UPLOADS.OFFSET, offset)
            .set(UPLOADS.UPLOAD_TYPE, n.kind().dbName())
            .set(
                UPLOADS.CONCAT_PARTS,
                n.concatParts() == null ? null : n.concatParts().toArray(UUID[]::new))
            .set(UPLOADS.METADATA, JSONB.valueOf(UploadRows.toJson(n.metadata())))
            .set(UPLOADS.METADATA_HEADER, n.metadataHeader())
            .set(UPLOADS.CREATOR_ADDRESS, n.creatorAddress())
            .set(UPLOADS.EXPIRES_AT, n.expiresAt())
            .set(
                UPLOADS.COMPLETED_AT,
                complete ? DSL.currentOffsetDateTime() : DSL.val((OffsetDateTime) null))
            .set(UPLOADS.STATE, queued ? UploadState.QUEUED.dbName() : UploadState.UPLOADING.dbName())
            .set(UPLOADS.QUEUED_AT, queued ? DSL.currentOffsetDateTime() : DSL.val((OffsetDateTime) null))
            .returning()
            .fetchOne();
    return UploadRows.toUpload(r);
  }

  @Override
  public Upload createRejected(NewUpload n, String error) {
    UploadsRecord r =
        dsl.insertInto(UPLOADS)
            .set(UPLOADS.ID, n.id())
            .set(UPLOADS.OWNER, n.owner())
            .set(UPLOADS.FILENAME, n.filename())
            .set(UPLOADS.CONTENT_TYPE, n.contentType())
            .set(UPLOADS.LENGTH, n.length())
            .set(UPLOADS.OFFSET, 0L)
            .set(UPLOADS.UPLOAD_TYPE, n.kind().dbName())
            .set(UPLOADS.METADATA, JSONB.valueOf(UploadRows.toJson(n.metadata())))
            .set(UPLOADS.METADATA_HEADER, n.metadataHeader())
            .set(UPLOADS.CREATOR_ADDRESS, n.creatorAddress())
            .set(UPLOADS.EXPIRES_AT, n.expiresAt())
            .set(UPLOADS.STATE, UploadState.FAILED.dbName())
            .set(UPLOADS.ERROR, error)
            .returning()
            .fetchOne();
    return UploadRows.toUpload(r);
  }

  @Override
  public boolean setContentType(UUID id, String contentType) {
    return dsl.update(UPLOADS)
            .set(UPLOADS.CONTENT_TYPE, contentType)
            .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
            .where(UPLOADS.ID.eq(id))
            .execute()
        == 1;
  }

  @Override
  public Optional<Upload> find(UUID id) {
    return dsl.selectFrom(UPLOADS).where(UPLOADS.ID.eq(id)).fetchOptional().map(UploadRows::toUpload);
  }

  @Override
  public Optional<Upload> advanceOffset(
      UUID id, long expected, long newOffset, OffsetDateTime expiresAt) {
    return dsl.update(UPLOADS)
        .set(UPLOADS.OFFSET, newOffset)
        .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
        .set(UPLOADS.EXPIRES_AT, expiresAt)
        .set(UPLOADS.COMPLETED_AT, completedAtWhen(UPLOADS.LENGTH.eq(newOffset)))
        .set(UPLOADS.STATE, queueWhen(UPLOADS.LENGTH.eq(newOffset)))
        .set(UPLOADS.QUEUED_AT, queuedAtWhen(UPLOADS.LENGTH.eq(newOffset)))
        .where(UPLOADS.ID.eq(id).and(UPLOADS.OFFSET.eq(expected)))
        .returning()
        .fetchOptional()
        .map(UploadRows::toUpload);
  }

  private static boolean declareLength(DSLContext dsl, UUID id, long length) {
    int n =
        dsl.update(UPLOADS)
            .set(UPLOADS.LENGTH, length)
            .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
            .set(UPLOADS.COMPLETED_AT, completedAtWhen(UPLOADS.OFFSET.eq(length)))
            .set(UPLOADS.STATE, queueWhen(UPLOADS.OFFSET.eq(length)))
            .set(UPLOADS.QUEUED_AT, queuedAtWhen(UPLOADS.OFFSET.eq(length)))
            .where(UPLOADS.ID.eq(id))
            .and(UPLOADS.LENGTH.isNull().or(UPLOADS.LENGTH.eq(length)))
            .and(UPLOADS.OFFSET.le(length))
            .execute();
    return n == 1;
  }

  @Override
  public Optional<Upload> refreshFinal(UUID id) {
    Optional<Upload> found = find(id);
    if (found.isEmpty()
        || found.get().kind() != UploadKind.FINAL
        || found.get().isComplete()
        || found.get().state() == UploadState.FAILED
        || found.get().concatParts() == null) {
      return found;
    }
    List<UUID> partIds = found.get().concatParts();
    Map<UUID, UploadsRecord> parts =
        dsl.selectFrom(UPLOADS).where(UPLOADS.ID.in(partIds)).fetchMap(UPLOADS.ID);
    long total = 0;
    boolean lengthsKnown = true;
    boolean allComplete = true;
    for (UUID p : partIds) {
      UploadsRecord r = parts.get(p);
      if (r == null || r.getLength() == null) {
        lengthsKnown = false;
        allComplete = false;
        continue;
      }
      total += r.getLength();
      allComplete &= r.getCompletedAt() != null;
    }
    if (!lengthsKnown) {
      return found;
    }
    dsl.update(UPLOADS)
        .set(UPLOADS.LENGTH, total)
        .set(UPLOADS.OFFSET, allComplete ? total : 0L)
        .set(
            UPLOADS.COMPLETED_AT,
            allComplete ? DSL.currentOffsetDateTime() : DSL.val((OffsetDateTime) null))
        .set(UPLOADS.STATE, allComplete ? UploadState.QUEUED.dbName() : UploadState.UPLOADING.dbName())
        .set(
            UPLOADS.QUEUED_AT,
            allComplete ? DSL.currentOffsetDateTime() : DSL.val((OffsetDateTime) null))
        .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
        .where(UPLOADS.ID.eq(id).and(UPLOADS.COMPLETED_AT.isNull()))
        .and(UPLOADS.STATE.ne(UploadState.FAILED.dbName()))
        .execute();
    return find(id);
  }

  @Override
  public boolean rejectFinal(UUID id, String error) {
    return dsl.update(UPLOADS)
            .set(UPLOADS.STATE, UploadState.FAILED.dbName())
            .set(UPLOADS.ERROR, error)
            .set(UPLOADS.OFFSET, 0L)
            .set(UPLOADS.COMPLETED_AT, (OffsetDateTime) null)
            .set(UPLOADS.QUEUED_AT, (OffsetDateTime) null)
            .set(UPLOADS.CLAIMED_BY, (String) null)
            .set(UPLOADS.CLAIMED_AT, (OffsetDateTime) null)
            .set(UPLOADS.NEXT_ATTEMPT_AT, (OffsetDateTime) null)
            .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
            .where(UPLOADS.ID.eq(id))
            .and(UPLOADS.UPLOAD_TYPE.eq(UploadKind.FINAL.dbName()))
            .execute()
        == 1;
  }

  @Override
  public List<UUID> finalsContaining(UUID partId) {
    return dsl.select(UPLOADS.ID)
        .from(UPLOADS)
        .where(UPLOADS.UPLOAD_TYPE.eq(UploadKind.FINAL.dbName()))
        .and(lists(partId))
        .and(UPLOADS.COMPLETED_AT.isNull())
        .fetch(UPLOADS.ID);
  }

  @Override
  public List<Upload> finalsListing(UUID partId) {
    return dsl.selectFrom(UPLOADS)
        .where(UPLOADS.UPLOAD_TYPE.eq(UploadKind.FINAL.dbName()))
        .and(lists(partId))
        .orderBy(UPLOADS.CREATED_AT, UPLOADS.ID)
        .fetch(UploadRows::toUpload);
  }

  /** The final's concat_parts hold the part (uses the GIN index on finals' parts). */
  private static Condition lists(UUID partId) {
    return DSL.condition("{0} @> ARRAY[{1}]", UPLOADS.CONCAT_PARTS, DSL.val(partId));
  }

  @Override
  public List<Upload> settleParts(UUID finalId, boolean dropUnused) {
    return dsl.transactionResult(
        cfg -> {
          DSLContext tx = DSL.using(cfg);
          Upload fin =
              tx.selectFrom(UPLOADS).where(UPLOADS.ID.eq(finalId)).fetchOptional()
                  .map(UploadRows::toUpload).orElse(null);
          if (fin == null || fin.kind() != UploadKind.FINAL || fin.concatParts() == null
              || fin.concatParts().isEmpty()) {
            return List.of();
          }
          List<Upload> parts =
              tx.selectFrom(UPLOADS)
                  .where(UPLOADS.ID.in(fin.concatParts()))
                  .orderBy(UPLOADS.ID)
                  .forUpdate()
                  .fetch(UploadRows::toUpload);
          // a later statement sees every final committed while this one waited for the locks
          List<Upload> finals =
              tx.selectFrom(UPLOADS)
                  .where(UPLOADS.UPLOAD_TYPE.eq(UploadKind.FINAL.dbName()))
                  .and(DSL.condition("{0} && {1}", UPLOADS.CONCAT_PARTS,
                      DSL.val(fin.concatParts().toArray(UUID[]::new),
                          UPLOADS.CONCAT_PARTS.getDataType())))
                  .fetch(UploadRows::toUpload);
          List<Upload> changed = new ArrayList<>();
          for (Upload part : parts) {
            List<Upload> listing =
                finals.stream().filter(f -> f.concatParts().contains(part.id())).toList();
            Optional<UploadState> next = ConcatParts.next(part, listing, dropUnused);
            if (next.isPresent()) {
              tx.update(UPLOADS)
                  .set(UPLOADS.STATE, next.get().dbName())
                  .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
                  .where(UPLOADS.ID.eq(part.id()))
                  .returning()
                  .fetchOptional()
                  .map(UploadRows::toUpload)
                  .ifPresent(changed::add);
            }
          }
          return changed;
        });
  }

  @Override
  public boolean markState(UUID id, UploadState state, String error) {
    return dsl.update(UPLOADS)
            .set(UPLOADS.STATE, state.dbName())
            .set(UPLOADS.ERROR, error)
            .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
            .where(UPLOADS.ID.eq(id))
            .execute()
        == 1;
  }

  /**
   * The state after the last byte: a regular or final upload is queued for storing in the same
   * statement that records the byte, so "complete" and "queued" can never come apart. Partial
   * uploads are pieces of a final one and are not stored on their own.
   */
  private static Field<OffsetDateTime> completedAtWhen(Condition complete) {
    return DSL.when(complete, DSL.coalesce(UPLOADS.COMPLETED_AT, DSL.currentOffsetDateTime()))
        .otherwise(UPLOADS.COMPLETED_AT);
  }

  private static Field<String> queueWhen(Condition complete) {
    return DSL.when(queues(complete), DSL.inline(UploadState.QUEUED.dbName()))
        .otherwise(UPLOADS.STATE);
  }

  private static Field<OffsetDateTime> queuedAtWhen(Condition complete) {
    return DSL.when(queues(complete), DSL.currentOffsetDateTime()).otherwise(UPLOADS.QUEUED_AT);
  }

  private static Condition queues(Condition complete) {
    return complete
        .and(UPLOADS.STATE.eq(UploadState.UPLOADING.dbName()))
        .and(UPLOADS.UPLOAD_TYPE.ne(UploadKind.PARTIAL.dbName()));
  }

  @Override
  public boolean requeueFailed(UUID id) {
    return dsl.update(UPLOADS)
            .set(UPLOADS.STATE, UploadState.QUEUED.dbName())
            .set(UPLOADS.ATTEMPTS, 0)
            .set(UPLOADS.NEXT_ATTEMPT_AT, (OffsetDateTime) null)
            .set(UPLOADS.QUEUED_AT, DSL.currentOffsetDateTime())
            .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
            .where(UPLOADS.ID.eq(id).and(UPLOADS.STATE.eq(UploadState.FAILED.dbName())))
            .and(UPLOADS.COMPLETED_AT.isNotNull())
            .execute()
        == 1;
  }

}
