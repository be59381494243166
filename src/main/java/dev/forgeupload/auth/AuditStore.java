package dev.forgeupload.auth;

import java.util.List;
import java.util.UUID;

/**
 * Where the audit log is kept (PostgreSQL: {@code db/JooqAuditStore}), append-only. What is
 * audited and what a failed write does is {@link AuditLog}'s business.
 */
public interface AuditStore {
  /** An entry to append; {@code detail} is a JSON object's text, or null. */
  record NewEntry(String actor, String action, UUID uploadId, String address, String detail) {}

  /**
   * Appends the entries together (one statement), without making the request wait for them to
   * be flushed to disk: an audit entry must cost no fsync on an upload's path.
   */
  void append(List<NewEntry> entries);

  /**
   * Newest first; each filter applies when not null; {@code before} is the id of the last entry of
   * the previous page.
   */
  List<AuditLog.Entry> list(String actor, UUID uploadId, String action, Long before, int limit);
}
