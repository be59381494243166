package dev.forgeupload.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who created, finished, downloaded, deleted what, when and from where: append-only entries in
 * an {@link AuditStore}, read by admins through {@code GET /api/v1/audit}. A failed audit write
 * is logged loudly but does not fail the user's request (their bytes are not lost over it).
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
    API_KEY_REVOKED("api_key.revoked"),
    SHARE_CREATED("share.created"),
    SHARE_DOWNLOADED("share.downloaded"),
    SHARE_REVOKED("share.revoked"),
    SYNC_JOB_CREATED("sync_job.created"),
    SYNC_JOB_DELETED("sync_job.deleted");

    public final String dbName;

    Action(String dbName) {
      this.dbName = dbName;
    }
  }

  public record Entry(
      long id, OffsetDateTime at, String actor, String action, UUID uploadId, String address,
      String detail) {}

  private final AuditStore store;

  public AuditLog(AuditStore store) {
    this.store = store;
  }

  public void record(
      Principal who, Action action, UUID uploadId, String address, Map<String, ?> detail) {
    record(who, List.of(action), uploadId, address, List.of(detail == null ? Map.of() : detail));
  }

  /**
   * Records several actions on one upload in one statement (a creation that carried every byte is
   * created and finished at once). The store does not wait for the WAL flush: an audit entry
   * costs no fsync on the upload's path, and a database crash can lose at most the last fraction
   * of a second of entries, never an upload (whose own commits stay synchronous).
   */
  public void record(
      Principal who, List<Action> actions, UUID uploadId, String address,
      List<? extends Map<String, ?>> details) {
    try {
      List<AuditStore.NewEntry> entries = new ArrayList<>(actions.size());
      for (int i = 0; i < actions.size(); i++) {
        Map<String, ?> d = details.get(i);
        entries.add(
            new AuditStore.NewEntry(
                who == null ? null : who.subject(), actions.get(i).dbName, uploadId, address,
                d == null || d.isEmpty() ? null : json(d)));
      }
      store.append(entries);
    } catch (RuntimeException e) {
      log.error("AuditWriteFailed actions={} upload={} error={}", actions, uploadId,
          e.toString());
    }
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
    return store.list(actor, uploadId, action, before, limit);
  }
}
