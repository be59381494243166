package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.INLINE_BODIES;
import static dev.forgeupload.db.generated.Tables.UPLOADS;

import dev.forgeupload.core.StagingStore;
import dev.forgeupload.core.UploadState;
import dev.forgeupload.staging.InlineBodyRows;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/** {@link InlineBodyRows} in the {@code inline_bodies} table (migration V15). */
public final class JooqInlineBodies implements InlineBodyRows {
  private static final List<String> SETTLED =
      List.of(UploadState.STORED, UploadState.DELETED, UploadState.EXPIRED,
              UploadState.CONCATENATED)
          .stream().map(UploadState::dbName).toList();

  private final DSLContext dsl;

  public JooqInlineBodies(DSLContext dsl) {
    this.dsl = dsl;
  }

  @Override
  public Optional<byte[]> find(UUID id) {
    return dsl.select(INLINE_BODIES.BYTES).from(INLINE_BODIES)
        .where(INLINE_BODIES.UPLOAD_ID.eq(id)).fetchOptional(INLINE_BODIES.BYTES);
  }

  @Override
  public void delete(UUID id) {
    dsl.deleteFrom(INLINE_BODIES).where(INLINE_BODIES.UPLOAD_ID.eq(id)).execute();
  }

  @Override
  public List<StagingStore.Entry> settled(int limit) {
    OffsetDateTime now = OffsetDateTime.now();
    return dsl.select(INLINE_BODIES.UPLOAD_ID, INLINE_BODIES.CREATED_AT)
        .from(INLINE_BODIES).join(UPLOADS).on(UPLOADS.ID.eq(INLINE_BODIES.UPLOAD_ID))
        .where(UPLOADS.STATE.in(SETTLED))
        .limit(limit)
        .fetch(r -> new StagingStore.Entry(r.value1(),
            Duration.between(r.value2(), now).isNegative() ? Duration.ZERO
                : Duration.between(r.value2(), now)));
  }
}
