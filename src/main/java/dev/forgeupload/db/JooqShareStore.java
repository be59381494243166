package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.SHARE_LINKS;

import dev.forgeupload.db.generated.tables.records.ShareLinksRecord;
import dev.forgeupload.shares.Share;
import dev.forgeupload.shares.ShareStore;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/** {@link ShareStore} on PostgreSQL: the {@code share_links} table, looked up by token hash. */
public final class JooqShareStore implements ShareStore {
  private final DSLContext dsl;

  public JooqShareStore(DSLContext dsl) {
    this.dsl = dsl;
  }

  @Override
  public Share insert(Share s) {
    return share(
        dsl.insertInto(SHARE_LINKS)
            .set(SHARE_LINKS.ID, s.id())
            .set(SHARE_LINKS.UPLOAD_ID, s.uploadId())
            .set(SHARE_LINKS.TOKEN_HASH, s.tokenHash())
            .set(SHARE_LINKS.CREATED_BY, s.createdBy())
            .set(SHARE_LINKS.CREATED_AT, s.createdAt())
            .set(SHARE_LINKS.EXPIRES_AT, s.expiresAt())
            .set(SHARE_LINKS.MAX_DOWNLOADS, s.maxDownloads())
            .returning()
            .fetchOne());
  }

  @Override
  public List<Share> forUpload(UUID uploadId) {
    return dsl.selectFrom(SHARE_LINKS)
        .where(SHARE_LINKS.UPLOAD_ID.eq(uploadId))
        .orderBy(SHARE_LINKS.CREATED_AT.desc(), SHARE_LINKS.ID.desc())
        .limit(1000)
        .fetch(JooqShareStore::share);
  }

  @Override
  public Optional<Share> find(UUID id) {
    return dsl.selectFrom(SHARE_LINKS).where(SHARE_LINKS.ID.eq(id)).fetchOptional()
        .map(JooqShareStore::share);
  }

  @Override
  public Optional<Share> findByHash(String tokenHash) {
    return dsl.selectFrom(SHARE_LINKS).where(SHARE_LINKS.TOKEN_HASH.eq(tokenHash)).fetchOptional()
        .map(JooqShareStore::share);
  }

  @Override
  public boolean revoke(UUID id, OffsetDateTime at) {
    return dsl.update(SHARE_LINKS)
        .set(SHARE_LINKS.REVOKED_AT, at)
        .where(SHARE_LINKS.ID.eq(id).and(SHARE_LINKS.REVOKED_AT.isNull()))
        .execute() == 1;
  }

  /** One UPDATE: the row lock serialises parallel counts, and each re-checks the maximum. */
  @Override
  public Optional<Share> countDownload(String tokenHash, OffsetDateTime now) {
    return dsl.update(SHARE_LINKS)
        .set(SHARE_LINKS.DOWNLOADS, SHARE_LINKS.DOWNLOADS.plus(1))
        .where(SHARE_LINKS.TOKEN_HASH.eq(tokenHash))
        .and(SHARE_LINKS.REVOKED_AT.isNull())
        .and(SHARE_LINKS.EXPIRES_AT.gt(now))
        .and(SHARE_LINKS.MAX_DOWNLOADS.isNull().or(SHARE_LINKS.DOWNLOADS.lt(SHARE_LINKS.MAX_DOWNLOADS)))
        .returning()
        .fetchOptional()
        .map(JooqShareStore::share);
  }

  private static Share share(ShareLinksRecord r) {
    return new Share(r.getId(), r.getUploadId(), r.getTokenHash(), r.getCreatedBy(),
        r.getCreatedAt(), r.getExpiresAt(), r.getMaxDownloads(), r.getDownloads(),
        r.getRevokedAt());
  }
}
