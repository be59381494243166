package dev.forgeupload.auth;

import static dev.forgeupload.db.generated.Tables.AUDIT_LOG;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.db.generated.tables.records.AuditLogRecord;
import jakarta.servlet.http.HttpServletRequest;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who created, finished, downloaded, deleted what, when and from where: an append-only table in
 * PostgreSQL, read by admins through {@code GET /api/v1/audit}. A failed audit write is logged
 * loudly but does not fail the user's request (their bytes are not lost over it).
 */
public final class AuditLog {
  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What is audited; the names are the {@code action} column's values. */
  public enum Action {
    UPLOAD_CREATED("upload.created"),
    UPLOAD_FINISHED("upload.finished"),
    UPLOAD_DOWNLOADED("upload.downloaded"),
    UPLOAD_DELETED("upload.deleted"),
    UPLOAD_RETRIED("upload.retried"),
    API_KEY_CREATED("api_key.created"),
    API_KEY_REVOKED("api_key.revoked");

    public final String dbName;

    Action(String dbName) {
      this.dbName = dbName;
    }
  }

  public record Entry(
      long id, OffsetDateTime at, String actor, String action, UUID uploadId, String address,
      String detail) {}

  private final DSLContext dsl;

  public AuditLog(DSLContext dsl) {
    this.dsl = dsl;
  }

  public void record(
      Principal who, Action action, UUID uploadId, String address, Map<String, ?> detail) {
    record(who, List.of(action), uploadId, address, List.of(detail == null ? Map.of() : detail));
  }

  /**
   * Records several actions on one upload in one statement (a creation that carried every byte is
   * created and finished at once). The commit does not wait for the WAL flush
   * ({@code synchronous_commit = off} for this transaction only): an audit entry costs no fsync
   * on the upload's path, and a database crash can lose at most the last fraction of a second of
   * entries, never an upload (whose own commits stay synchronous).
   */
  public void record(
      Principal who, List<Action> actions, UUID uploadId, String address,
      List<? extends Map<String, ?>> details) {
    try {
      dsl.transaction(
          cfg -> {
            DSLContext tx = DSL.using(cfg);
            tx.execute("SET LOCAL synchronous_commit TO OFF");
            var insert =
                tx.insertInto(
                    AUDIT_LOG, AUDIT_LOG.ACTOR, AUDIT_LOG.ACTION, AUDIT_LOG.UPLOAD_ID,
                    AUDIT_LOG.ADDRESS, AUDIT_LOG.DETAIL);
            for (int i = 0; i < actions.size(); i++) {
              Map<String, ?> d = details.get(i);
              insert =
                  insert.values(
                      who == null ? null : who.subject(), actions.get(i).dbName, uploadId,
                      address, d == null || d.isEmpty() ? null : JSONB.valueOf(json(d)));
            }
            insert.execute();
          });
    } catch (RuntimeException e) {
      log.error("AuditWriteFailed actions={} upload={} error={}", actions, uploadId,
          e.toString());
    }
  }

  /**
   * A response that sends an upload's first byte (the caller decides: see {@code
   * ContentResponder}); one entry per response, with its status and the bytes it carries.
   */
  public void recordDownload(UUID id, HttpServletRequest req, int status, long bytes) {
    record(Principal.of(req), Action.UPLOAD_DOWNLOADED, id, req.getRemoteAddr(),
        Map.of("status", status, "bytes", bytes));
  }

  private static String json(Map<String, ?> detail) {
    try {
      return JSON.writeValueAsString(detail);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Newest first; {@code before} is the id of the last entry of the previous page. */
  public List<Entry> list(String actor, UUID uploadId, String action, Long before, int limit) {
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
    List<Entry> out = new ArrayList<>();
    for (AuditLogRecord r :
        dsl.selectFrom(AUDIT_LOG).where(where).orderBy(AUDIT_LOG.ID.desc()).limit(limit).fetch()) {
      out.add(
          new Entry(
              r.getId(), r.getAt(), r.getActor(), r.getAction(), r.getUploadId(), r.getAddress(),
              r.getDetail() == null ? null : r.getDetail().data()));
    }
    return out;
  }
}
