package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.AUDIT_LOG;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.AuditStore;
import dev.forgeupload.db.generated.tables.records.AuditLogRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/**
 * {@link AuditStore} on PostgreSQL: the append-only {@code audit_log} table, one statement per
 * append. Given {@link Database#lazyDsl} (as the server wires it) an append does not wait for the
 * WAL flush. A creation's entries are written by the upload's own insert instead ({@code
 * JooqUploadRepository}).
 */
public final class JooqAuditStore implements AuditStore {
  private final DSLContext dsl;

  public JooqAuditStore(DSLContext dsl) {
    this.dsl = dsl;
  }

  @Override
  public void append(List<NewEntry> entries) {
    var insert =
        dsl.insertInto(
            AUDIT_LOG, AUDIT_LOG.ACTOR, AUDIT_LOG.ACTION, AUDIT_LOG.UPLOAD_ID, AUDIT_LOG.ADDRESS,
            AUDIT_LOG.DETAIL);
    for (NewEntry e : entries) {
      insert =
          insert.values(
              e.actor(), e.action(), e.uploadId(), e.address(),
              e.detail() == null ? null : JSONB.valueOf(e.detail()));
    }
    insert.execute();
  }

  @Override
  public List<AuditLog.Entry> list(
      String actor, UUID uploadId, String action, Long before, int limit) {
    Condition where = DSL.noCondition();
    if (actor != null) {
      where = where.and(AUDIT_LOG.ACTOR.eq(actor));
    }
    if (uploadId != null) {
      where = where.and(AUDIT_LOG.UPLOAD_ID.eq(uploadId));
    }
    if (action != null) {
      where = where.and(AUDIT_LOG.ACTION.eq(action));
    }
    if (before != null) {
      where = where.and(AUDIT_LOG.ID.lt(before));
    }
    List<AuditLog.Entry> out = new ArrayList<>();
    for (AuditLogRecord r :
        dsl.selectFrom(AUDIT_LOG).where(where).orderBy(AUDIT_LOG.ID.desc()).limit(limit).fetch()) {
      out.add(
          new AuditLog.Entry(
              r.getId(), r.getAt(), r.getActor(), r.getAction(), r.getUploadId(), r.getAddress(),
              r.getDetail() == null ? null : r.getDetail().data()));
    }
    return out;
  }
}
