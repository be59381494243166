package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.UPLOADS;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.core.NewUpload;
import dev.forgeupload.core.OwnerLimits;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadRepository;
import dev.forgeupload.core.UploadState;
import dev.forgeupload.db.generated.tables.records.UploadsRecord;
import java.time.Duration;
import java.time.OffsetDateTime;
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
  private final OwnerUsage owners;
  private final CreationInserts creations;

  public JooqUploadRepository(DSLContext dsl, Duration lockLease) {
    this.dsl = dsl;
    this.owners = new OwnerUsage(lockLease);
    this.creations = new CreationInserts(dsl);
  }

  @Override
  public Upload create(NewUpload n, long offset, String contentType, OwnerLimits limits) {
    return create(n, offset, contentType, limits, null);
  }

  @Override
  public Upload createWhole(NewUpload n, byte[] bytes, String contentType, OwnerLimits limits) {
    if (n.kind() == UploadKind.FINAL) {
      throw new IllegalArgumentException("a final upload has no bytes of its own");
    }
    return create(n, bytes.length, contentType, limits, bytes);
  }

  private Upload create(
      NewUpload n, long offset, String contentType, OwnerLimits limits, byte[] inline) {
    boolean limited = n.owner() != null && limits.any();
    if (!limited && n.kind() != UploadKind.FINAL) {
      // concurrent creations share one statement and one commit
      return creations.insert(n, offset, contentType, inline);
    }
    return dsl.transactionResult(
        cfg -> {
          if (!limited) {
            DSLContext tx = DSL.using(cfg);
            PartSettling.lockUsable(tx, n);
            return UploadInsert.insert(tx, n, offset, contentType, inline);
          }
          DSLContext tx = OwnerUsage.lock(DSL.using(cfg), n.owner());
          PartSettling.lockUsable(tx, n);
          OwnerLimits.Usage before = owners.of(tx, n.owner(), null, 0);
          limits.check(n.owner(), before, 0, true);
          Upload u = UploadInsert.insert(tx, n, offset, contentType, inline);
          if (limits.quotaBytes() > 0) {
            // What the new row adds, measured rather than predicted: a final upload takes over
            // its parts' bytes (a part no final lists counts on its own), so only the database
            // knows.
            long added = owners.of(tx, n.owner(), null, 0).bytes() - before.bytes();
            limits.check(n.owner(), before, added, false); // throws: the insert rolls back
          }
          return u;
        });
  }

  @Override
  public OwnerLimits.Usage usage(String owner) {
    return owners.of(dsl, owner, null, 0);
  }

  @Override
  public boolean declareLength(UUID id, long length, String owner, OwnerLimits limits) {
    if (owner == null || limits.quotaBytes() <= 0) {
      return declareLength(dsl, id, length);
    }
    return dsl.transactionResult(
        cfg -> {
          DSLContext tx = OwnerUsage.lock(DSL.using(cfg), owner);
          long current = currentOffset(tx, id);
          OwnerLimits.Usage now = owners.of(tx, owner, id, current);
          long after = owners.of(tx, owner, id, length).bytes();
          new OwnerLimits(limits.quotaBytes(), 0).check(owner, now, after - now.bytes(), false);
          return declareLength(tx, id, length);
        });
  }

  @Override
  public long reserve(UUID id, String owner, long quotaBytes, long wantEnd) {
    return dsl.transactionResult(
        cfg -> {
          DSLContext tx = OwnerUsage.lock(DSL.using(cfg), owner);
          long offset = currentOffset(tx, id);
          long here = owners.of(tx, owner, id, offset).bytes();
          // a part listed by finals counts once per final: each byte may cost more than one
          long perByte = Math.max(1, owners.of(tx, owner, id, offset + 1).bytes() - here);
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
    return dsl.transactionResult(cfg -> PartSettling.settle(DSL.using(cfg), finalId, dropUnused));
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
