package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.UPLOADS;
import static dev.forgeupload.db.generated.Tables.UPLOAD_EVENTS;

import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadQueries;
import dev.forgeupload.core.UploadQueries.DayCount;
import dev.forgeupload.core.UploadQueries.ListQuery;
import dev.forgeupload.core.UploadQueries.Page;
import dev.forgeupload.core.UploadQueries.Sort;
import dev.forgeupload.core.UploadQueries.StateChange;
import dev.forgeupload.core.UploadQueries.Stats;
import dev.forgeupload.core.UploadQueries.TypeCount;
import dev.forgeupload.core.UploadState;
import dev.forgeupload.db.generated.tables.records.UploadsRecord;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

/** {@link UploadQueries} on PostgreSQL: the API's list, timeline and statistics. */
public final class JooqUploadQueries implements UploadQueries {
  private final DSLContext dsl;

  public JooqUploadQueries(DSLContext dsl) {
    this.dsl = dsl;
  }

  @Override
  public Page list(ListQuery q) {
    Condition where = DSL.noCondition();
    if (q.owner() != null) {
      where = where.and(UPLOADS.OWNER.eq(q.owner()));
    }
    if (q.state() != null) {
      where = where.and(UPLOADS.STATE.eq(q.state().dbName()));
    } else {
      // deleted uploads are listed only when asked for
      where = where.and(UPLOADS.STATE.ne(UploadState.DELETED.dbName()));
    }
    if (q.filenameContains() != null && !q.filenameContains().isBlank()) {
      where = where.and(UPLOADS.FILENAME.containsIgnoreCase(q.filenameContains()));
    }
    if (q.latestOnly()) {
      where = where.and(JooqUploadVersions.isLatest());
    }
    boolean bySize = q.sort() == Sort.SIZE;
    Field<Long> size = DSL.coalesce(UPLOADS.LENGTH, DSL.inline(-1L));
    if (q.cursor() != null) {
      Cursor c = Cursor.decode(q.cursor());
      Condition after =
          bySize
              ? (q.ascending()
                  ? DSL.row(size, UPLOADS.ID).gt(c.key(), c.id())
                  : DSL.row(size, UPLOADS.ID).lt(c.key(), c.id()))
              : (q.ascending()
                  ? DSL.row(UPLOADS.CREATED_AT, UPLOADS.ID).gt(c.time(), c.id())
                  : DSL.row(UPLOADS.CREATED_AT, UPLOADS.ID).lt(c.time(), c.id()));
      where = where.and(after);
    }
    var first = bySize ? (q.ascending() ? size.asc() : size.desc())
        : (q.ascending() ? UPLOADS.CREATED_AT.asc() : UPLOADS.CREATED_AT.desc());
    var second = q.ascending() ? UPLOADS.ID.asc() : UPLOADS.ID.desc();
    List<UploadsRecord> rows =
        dsl.selectFrom(UPLOADS).where(where).orderBy(first, second).limit(q.limit() + 1).fetch();
    List<Upload> items = new ArrayList<>();
    for (int i = 0; i < Math.min(q.limit(), rows.size()); i++) {
      items.add(UploadRows.toUpload(rows.get(i)));
    }
    String next = null;
    if (rows.size() > q.limit()) {
      Upload last = items.get(items.size() - 1);
      next =
          bySize
              ? Cursor.ofKey(last.length() == null ? -1 : last.length(), last.id()).encode()
              : Cursor.ofTime(last.createdAt(), last.id()).encode();
    }
    return new Page(items, next);
  }

  @Override
  public List<StateChange> timeline(UUID id) {
    return dsl.select(UPLOAD_EVENTS.STATE, UPLOAD_EVENTS.ERROR, UPLOAD_EVENTS.AT)
        .from(UPLOAD_EVENTS)
        .where(UPLOAD_EVENTS.UPLOAD_ID.eq(id))
        .orderBy(UPLOAD_EVENTS.ID)
        .limit(1000)
        .fetch(r -> new StateChange(UploadState.fromDb(r.value1()), r.value2(), r.value3()));
  }

  /**
   * What the statistics count: every upload but deleted ones, and each file once. A part whose
   * final is complete (or stored: the part is then concatenated) counts through that final; a
   * part still on its way counts on its own, as its final has no bytes yet.
   */
  private static Condition counted() {
    return UPLOADS.STATE.ne(UploadState.DELETED.dbName())
        .andNot(
            DSL.condition(
                """
                {0} = 'partial' AND ({1} = 'concatenated' OR EXISTS (
                  SELECT 1 FROM uploads f
                  WHERE f.upload_type = 'final' AND f.concat_parts @> ARRAY[{2}]
                    AND f.completed_at IS NOT NULL AND f.state NOT IN ('deleted', 'expired')))
                """,
                UPLOADS.UPLOAD_TYPE, UPLOADS.STATE, UPLOADS.ID));
  }

  @Override
  public Stats stats(int days) {
    Condition counted = counted();
    Field<java.time.LocalDate> day =
        DSL.field("({0} at time zone 'UTC')::date", java.time.LocalDate.class, UPLOADS.CREATED_AT);
    Field<Long> bytes = DSL.coalesce(DSL.sum(UPLOADS.OFFSET), DSL.inline(java.math.BigDecimal.ZERO)).cast(Long.class);
    List<DayCount> perDay =
        dsl.select(day, DSL.count(), bytes)
            .from(UPLOADS)
            .where(
                DSL.condition(
                    "{0} > now() - make_interval(days => {1})", UPLOADS.CREATED_AT, DSL.val(days)))
            .and(counted)
            .groupBy(day)
            .orderBy(day)
            .fetch(r -> new DayCount(r.value1().toString(), r.value2(), r.value3()));
    Field<String> type = DSL.coalesce(UPLOADS.CONTENT_TYPE, DSL.inline("unknown"));
    List<TypeCount> byType =
        dsl.select(type, DSL.count(), bytes)
            .from(UPLOADS)
            .where(counted)
            .groupBy(type)
            .orderBy(DSL.count().desc())
            .limit(20)
            .fetch(r -> new TypeCount(r.value1(), r.value2(), r.value3()));
    Map<String, Long> byState = new java.util.LinkedHashMap<>();
    dsl.select(UPLOADS.STATE, DSL.count())
        .from(UPLOADS)
        .where(counted)
        .groupBy(UPLOADS.STATE)
        .orderBy(UPLOADS.STATE)
        .forEach(r -> byState.put(r.value1(), r.value2().longValue()));
    var stored =
        dsl.select(bytes, DSL.count())
            .from(UPLOADS)
            .where(UPLOADS.STATE.eq(UploadState.STORED.dbName()))
            .fetchOne();
    StorageFigures figures = new StorageFigures(dsl);
    return new Stats(perDay, byType, byState, stored.value1(), stored.value2(),
        figures.storage(), figures.perDay(days), figures.top(10));
  }

  /** Opaque keyset cursor: base64url of {@code t|<time>|<id>} or {@code k|<number>|<id>}. */
  record Cursor(String kind, String value, UUID id) {
    static Cursor ofTime(OffsetDateTime t, UUID id) {
      return new Cursor("t", t.toString(), id);
    }

    static Cursor ofKey(long k, UUID id) {
      return new Cursor("k", Long.toString(k), id);
    }

    OffsetDateTime time() {
      if (!kind.equals("t")) {
        throw new IllegalArgumentException("cursor is not valid for this sort");
      }
      OffsetDateTime t = OffsetDateTime.parse(value);
      // PostgreSQL's timestamptz ends in year 294276; a forged cursor must not reach it (500)
      if (t.getYear() < 1 || t.getYear() > 9999) {
        throw new IllegalArgumentException("cursor is not valid");
      }
      return t;
    }

    long key() {
      if (!kind.equals("k")) {
        throw new IllegalArgumentException("cursor is not valid for this sort");
      }
      return Long.parseLong(value);
    }

    String encode() {
      String raw = kind + "|" + value + "|" + id;
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static Cursor decode(String s) {
      try {
        String raw = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
        String[] p = raw.split("\\|", -1);
        if (p.length != 3 || !(p[0].equals("t") || p[0].equals("k"))) {
          throw new IllegalArgumentException();
        }
        Cursor c = new Cursor(p[0], p[1], UUID.fromString(p[2]));
        if (c.kind.equals("t")) {
          c.time();
        } else {
          c.key();
        }
        return c;
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("cursor is not valid");
      }
    }
  }
}
