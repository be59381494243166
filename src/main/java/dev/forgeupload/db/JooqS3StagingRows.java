package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.S3_STAGING;
import static dev.forgeupload.db.generated.Tables.S3_STAGING_CHECKPOINTS;
import static dev.forgeupload.db.generated.Tables.S3_STAGING_PARTS;

import dev.forgeupload.s3staging.S3Parts;
import dev.forgeupload.s3staging.StagingRows;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;

/** {@link StagingRows} in the {@code s3_staging*} tables (migration V10). */
public final class JooqS3StagingRows implements StagingRows {
  private final DSLContext dsl;

  public JooqS3StagingRows(DSLContext dsl) {
    this.dsl = dsl;
  }

  @Override
  public Optional<Staged> find(UUID id) {
    return dsl.selectFrom(S3_STAGING).where(S3_STAGING.UPLOAD_ID.eq(id)).fetchOptional()
        .map(r -> new Staged(r.getUploadId(), r.getObjectKey(), r.getMultipartId(),
            r.getPartBytes(), r.getHead(), r.getSealed(), r.getHandedOver()));
  }

  @Override
  public void insert(Staged s) {
    dsl.insertInto(S3_STAGING)
        .set(S3_STAGING.UPLOAD_ID, s.id())
        .set(S3_STAGING.OBJECT_KEY, s.objectKey())
        .set(S3_STAGING.MULTIPART_ID, s.multipartId())
        .set(S3_STAGING.PART_BYTES, s.partBytes())
        .execute();
  }

  @Override
  public void putPart(UUID id, int number, String etag) {
    dsl.insertInto(S3_STAGING_PARTS)
        .set(S3_STAGING_PARTS.UPLOAD_ID, id)
        .set(S3_STAGING_PARTS.PART_NUMBER, number)
        .set(S3_STAGING_PARTS.ETAG, etag)
        .onConflict(S3_STAGING_PARTS.UPLOAD_ID, S3_STAGING_PARTS.PART_NUMBER)
        .doUpdate()
        .set(S3_STAGING_PARTS.ETAG, etag)
        .execute();
  }

  @Override
  public List<S3Parts.Part> parts(UUID id, int upTo) {
    return dsl.select(S3_STAGING_PARTS.PART_NUMBER, S3_STAGING_PARTS.ETAG)
        .from(S3_STAGING_PARTS)
        .where(S3_STAGING_PARTS.UPLOAD_ID.eq(id).and(S3_STAGING_PARTS.PART_NUMBER.le(upTo)))
        .orderBy(S3_STAGING_PARTS.PART_NUMBER)
        .fetch(r -> new S3Parts.Part(r.value1(), r.value2()));
  }

  @Override
  public void putCheckpoint(UUID id, Checkpoint c) {
    dsl.insertInto(S3_STAGING_CHECKPOINTS)
        .set(S3_STAGING_CHECKPOINTS.UPLOAD_ID, id)
        .set(S3_STAGING_CHECKPOINTS.STAGED_OFFSET, c.offset())
        .set(S3_STAGING_CHECKPOINTS.TAIL_KEY, c.tailKey())
        .set(S3_STAGING_CHECKPOINTS.TAIL_BYTES, c.tailBytes())
        .set(S3_STAGING_CHECKPOINTS.SHA256_STATE, c.sha256State())
        .set(S3_STAGING_CHECKPOINTS.HEAD, c.head())
        .execute();
  }

  @Override
  public Optional<Checkpoint> checkpoint(UUID id, long offset) {
    return dsl.selectFrom(S3_STAGING_CHECKPOINTS)
        .where(S3_STAGING_CHECKPOINTS.UPLOAD_ID.eq(id)
            .and(S3_STAGING_CHECKPOINTS.STAGED_OFFSET.eq(offset)))
        .fetchOptional()
        .map(JooqS3StagingRows::checkpoint);
  }

  private static Checkpoint checkpoint(Record r) {
    return new Checkpoint(r.get(S3_STAGING_CHECKPOINTS.STAGED_OFFSET),
        r.get(S3_STAGING_CHECKPOINTS.TAIL_KEY), r.get(S3_STAGING_CHECKPOINTS.TAIL_BYTES),
        r.get(S3_STAGING_CHECKPOINTS.SHA256_STATE), r.get(S3_STAGING_CHECKPOINTS.HEAD));
  }

  @Override
  public List<Checkpoint> checkpoints(UUID id) {
    return dsl.selectFrom(S3_STAGING_CHECKPOINTS)
        .where(S3_STAGING_CHECKPOINTS.UPLOAD_ID.eq(id))
        .orderBy(S3_STAGING_CHECKPOINTS.STAGED_OFFSET)
        .fetch(JooqS3StagingRows::checkpoint);
  }

  @Override
  public void deleteCheckpoint(UUID id, long offset) {
    dsl.deleteFrom(S3_STAGING_CHECKPOINTS)
        .where(S3_STAGING_CHECKPOINTS.UPLOAD_ID.eq(id)
            .and(S3_STAGING_CHECKPOINTS.STAGED_OFFSET.eq(offset)))
        .execute();
  }

  @Override
  public void setHead(UUID id, byte[] head) {
    dsl.update(S3_STAGING).set(S3_STAGING.HEAD, head).where(S3_STAGING.UPLOAD_ID.eq(id))
        .execute();
  }

  @Override
  public void markSealed(UUID id) {
    dsl.update(S3_STAGING).set(S3_STAGING.SEALED, true).where(S3_STAGING.UPLOAD_ID.eq(id))
        .execute();
  }

  @Override
  public void markHandedOver(UUID id) {
    dsl.update(S3_STAGING).set(S3_STAGING.HANDED_OVER, true).where(S3_STAGING.UPLOAD_ID.eq(id))
        .execute();
  }

  @Override
  public void delete(UUID id) {
    dsl.deleteFrom(S3_STAGING).where(S3_STAGING.UPLOAD_ID.eq(id)).execute();
  }

  @Override
  public List<Aged> all() {
    OffsetDateTime now = OffsetDateTime.now();
    return dsl.select(S3_STAGING.UPLOAD_ID, S3_STAGING.CREATED_AT).from(S3_STAGING)
        .fetch(r -> new Aged(r.value1(),
            Duration.between(r.value2(), now).isNegative() ? Duration.ZERO
                : Duration.between(r.value2(), now)));
  }

  @Override
  public Set<String> owned(Collection<String> multipartIds) {
    if (multipartIds.isEmpty()) {
      return Set.of();
    }
    return new HashSet<>(dsl.select(S3_STAGING.MULTIPART_ID).from(S3_STAGING)
        .where(S3_STAGING.MULTIPART_ID.in(multipartIds)).fetch(S3_STAGING.MULTIPART_ID));
  }
}
