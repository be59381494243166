package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.UPLOADS;

import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadState;
import dev.forgeupload.db.generated.tables.records.UploadsRecord;
import dev.forgeupload.versions.UploadVersions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import dev.forgeupload.core.Upload;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** {@link UploadVersions} on PostgreSQL: {@code (owner, logical_name)}, on its index. */
public final class JooqUploadVersions implements UploadVersions {
  private final DSLContext dsl;

  public JooqUploadVersions(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** What counts as a version: not deleted, not a part of a concatenation. */
  static Condition isVersion(dev.forgeupload.db.generated.tables.Uploads t) {
    return t.STATE.ne(UploadState.DELETED.dbName())
        .and(t.UPLOAD_TYPE.ne(UploadKind.PARTIAL.dbName()));
  }

  /**
   * The list's {@code ?latest=true}: no newer version of the same file exists. An upload without
   * a logical name is a file of its own.
   */
  static Condition isLatest() {
    var n = UPLOADS.as("newer");
    return DSL.notExists(
        DSL.selectOne()
            .from(n)
            .where(n.LOGICAL_NAME.eq(UPLOADS.LOGICAL_NAME))
            .and(n.OWNER.isNotDistinctFrom(UPLOADS.OWNER))
            .and(isVersion(n))
            .and(DSL.row(n.CREATED_AT, n.ID).gt(UPLOADS.CREATED_AT, UPLOADS.ID)));
  }

  @Override
  public Optional<Versions> of(UUID uploadId) {
    UploadsRecord u = dsl.selectFrom(UPLOADS).where(UPLOADS.ID.eq(uploadId)).fetchOne();
    if (u == null) {
      return Optional.empty();
    }
    Upload self = UploadRows.toUpload(u);
    if (u.getLogicalName() == null) {
      return Optional.of(new Versions(self, null, List.of(new Version(1, self))));
    }
    List<UploadsRecord> rows =
        dsl.selectFrom(UPLOADS)
            .where(UPLOADS.LOGICAL_NAME.eq(u.getLogicalName()))
            .and(UPLOADS.OWNER.isNotDistinctFrom(u.getOwner()))
            .and(isVersion(UPLOADS))
            .orderBy(UPLOADS.CREATED_AT.desc(), UPLOADS.ID.desc())
            .limit(LIMIT)
            .fetch();
    int total =
        rows.size() < LIMIT
            ? rows.size()
            : dsl.fetchCount(
                UPLOADS,
                UPLOADS.LOGICAL_NAME.eq(u.getLogicalName())
                    .and(UPLOADS.OWNER.isNotDistinctFrom(u.getOwner()))
                    .and(isVersion(UPLOADS)));
    List<Version> items = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      items.add(new Version(total - i, UploadRows.toUpload(rows.get(i))));
    }
    return Optional.of(new Versions(self, u.getLogicalName(), items));
  }
}
