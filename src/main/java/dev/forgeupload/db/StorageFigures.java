package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.OBJECTS;
import static dev.forgeupload.db.generated.Tables.UPLOADS;
import static dev.forgeupload.db.generated.Tables.UPLOAD_DOWNLOADS;

import dev.forgeupload.core.DownloadCounter;
import dev.forgeupload.core.UploadQueries;
import dev.forgeupload.core.UploadState;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * The storage and download figures of the statistics (objects and upload_downloads, V12), and
 * the download counter of the content route.
 */
public final class StorageFigures implements DownloadCounter {
  private final DSLContext dsl;

  public StorageFigures(DSLContext dsl) {
    this.dsl = dsl;
  }

  @Override
  public void downloaded(UUID uploadId) {
    dsl.insertInto(UPLOAD_DOWNLOADS)
        .set(UPLOAD_DOWNLOADS.DAY, LocalDate.now(ZoneOffset.UTC))
        .set(UPLOAD_DOWNLOADS.UPLOAD_ID, uploadId)
        .set(UPLOAD_DOWNLOADS.DOWNLOADS, 1L)
        .onConflict(UPLOAD_DOWNLOADS.DAY, UPLOAD_DOWNLOADS.UPLOAD_ID)
        .doUpdate()
        .set(UPLOAD_DOWNLOADS.DOWNLOADS, UPLOAD_DOWNLOADS.DOWNLOADS.plus(1))
        .execute();
  }

  private static Field<Long> sum(Field<? extends Number> f) {
    return DSL.coalesce(DSL.sum(f), DSL.inline(BigDecimal.ZERO)).cast(Long.class);
  }

  /**
   * Bytes in S3: the catalogued objects, plus stored uploads on plain objects outside the
   * catalog (stored before it, or by sync), each key once. Saved: for every referenced object,
   * its length once per extra reference (deduplication) and its length less what it takes
   * (compression).
   */
  UploadQueries.Storage storage() {
    String stored = UploadState.STORED.dbName();
    long catalogued = dsl.select(sum(OBJECTS.PHYSICAL_BYTES)).from(OBJECTS).fetchOne().value1();
    var plain =
        DSL.selectDistinct(UPLOADS.STORAGE_KEY, UPLOADS.LENGTH)
            .from(UPLOADS)
            .where(UPLOADS.STATE.eq(stored))
            .and(UPLOADS.STORAGE_KEY.isNotNull())
            .andNotExists(DSL.selectOne().from(OBJECTS).where(OBJECTS.KEY.eq(UPLOADS.STORAGE_KEY)))
            .asTable("plain");
    long uncatalogued =
        dsl.select(sum(plain.field(UPLOADS.LENGTH))).from(plain).fetchOne().value1();
    var saved =
        dsl.select(
                sum(OBJECTS.LENGTH.mul(OBJECTS.REFCOUNT.minus(1))),
                sum(OBJECTS.LENGTH.minus(OBJECTS.PHYSICAL_BYTES)))
            .from(OBJECTS)
            .where(OBJECTS.REFCOUNT.gt(0))
            .fetchOne();
    return new UploadQueries.Storage(catalogued + uncatalogued, saved.value1(), saved.value2());
  }

  List<UploadQueries.DayDownloads> perDay(int days) {
    return dsl.select(UPLOAD_DOWNLOADS.DAY, sum(UPLOAD_DOWNLOADS.DOWNLOADS))
        .from(UPLOAD_DOWNLOADS)
        .where(UPLOAD_DOWNLOADS.DAY.gt(LocalDate.now(ZoneOffset.UTC).minusDays(days)))
        .groupBy(UPLOAD_DOWNLOADS.DAY)
        .orderBy(UPLOAD_DOWNLOADS.DAY)
        .fetch(r -> new UploadQueries.DayDownloads(r.value1().toString(), r.value2()));
  }

  /** The most downloaded uploads that still exist (not deleted), all time. */
  List<UploadQueries.TopDownload> top(int limit) {
    Field<Long> total = sum(UPLOAD_DOWNLOADS.DOWNLOADS);
    return dsl.select(UPLOADS.ID, UPLOADS.FILENAME, total)
        .from(UPLOAD_DOWNLOADS)
        .join(UPLOADS).on(UPLOADS.ID.eq(UPLOAD_DOWNLOADS.UPLOAD_ID))
        .where(UPLOADS.STATE.ne(UploadState.DELETED.dbName()))
        .groupBy(UPLOADS.ID, UPLOADS.FILENAME)
        .orderBy(total.desc(), UPLOADS.ID)
        .limit(limit)
        .fetch(r -> new UploadQueries.TopDownload(r.value1(), r.value2(), r.value3()));
  }
}
