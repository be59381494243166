package dev.forgeupload.core;

/**
 * Every refusal ForgeUpload answers with: a stable code (in error bodies and in
 * {@code forge_rejections_total}) and the HTTP status it maps to. One list, so a code means one
 * thing and has one status; {@code http/ErrorWriter} writes them for tus, the API and the filters.
 */
public enum Problem {
  BAD_REQUEST(400, "bad_request"),
  BAD_QUERY(400, "bad_query"),
  BODY_UNREADABLE(400, "body_unreadable"),
  UNAUTHORIZED(401, "unauthorized"),
  FORBIDDEN(403, "forbidden"),
  FINAL_UPLOAD(403, "final_upload"),
  /** A PATCH on an upload the content check already refused. */
  UPLOAD_REJECTED(403, "upload_rejected"),
  NOT_FOUND(404, "not_found"),
  METHOD_NOT_ALLOWED(405, "method_not_allowed"),
  OFFSET_MISMATCH(409, "offset_mismatch"),
  OFFSET_CHANGED(409, "offset_changed"),
  NOT_FINISHED(409, "not_finished"),
  NOT_FAILED(409, "not_failed"),
  NOT_RETRYABLE(409, "not_retryable"),
  /** A share link asked for an upload that is not stored (yet). */
  NOT_STORED(409, "not_stored"),
  GONE(410, "gone"),
  UNSUPPORTED_VERSION(412, "unsupported_version"),
  TOO_LARGE(413, "too_large"),
  QUOTA_EXCEEDED(413, "quota_exceeded"),
  /** The content check: the detected type's size limit. */
  CONTENT_TOO_LARGE(413, "content_too_large"),
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type"),
  /** The content check: a denied, not allowed or contradicted type. */
  CONTENT_REJECTED(415, "content_rejected"),
  RANGE_NOT_SATISFIABLE(416, "range_not_satisfiable"),
  LOCKED(423, "locked"),
  TOO_MANY_UPLOADS(429, "too_many_uploads"),
  RATE_LIMITED(429, "rate_limited"),
  TOO_MANY_STREAMS(429, "too_many_streams"),
  CHECKSUM_MISMATCH(460, "checksum_mismatch"),
  INTERNAL(500, "internal"),
  SHUTTING_DOWN(503, "shutting_down"),
  /** A blocking hook failed (no answer in time, not 2xx, not a hook response) and failures reject. */
  HOOK_FAILED(503, "hook_failed"),
  STAGING_UNAVAILABLE(503, "staging_unavailable");

  private final int status;
  private final String code;

  Problem(int status, String code) {
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** The content check refused an upload's bytes or claim. */
  public boolean isContentRejection() {
    return this == CONTENT_REJECTED || this == CONTENT_TOO_LARGE;
  }
}
