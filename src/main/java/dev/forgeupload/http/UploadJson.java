package dev.forgeupload.http;

import dev.forgeupload.core.ObjectKeys;
import dev.forgeupload.core.Upload;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/** The API's JSON view of an upload (snake_case fields from DESIGN.md). */
final class UploadJson {
  private UploadJson() {}

  static Map<String, Object> of(Upload u) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", u.id().toString());
    m.put("owner", u.owner());
    m.put("filename", u.filename());
    m.put("content_type", u.reportedContentType());
    m.put("length", u.length());
    m.put("offset", u.offset());
    m.put("state", u.state().dbName());
    m.put("sha256", u.sha256());
    m.put("storage_key", ownKey(u));
    m.put("metadata", u.metadata());
    m.put("created_at", time(u.createdAt()));
    m.put("updated_at", time(u.updatedAt()));
    m.put("completed_at", time(u.completedAt()));
    m.put("stored_at", time(u.storedAt()));
    m.put("expires_at", time(u.expiresAt()));
    m.put("upload_type", u.kind().dbName());
    m.put("error", u.error());
    return m;
  }

  /**
   * The upload's own object key. A deduplicated upload shares the object of the first equal
   * upload, whose key names that upload's id and filename: its owner may be someone else, so
   * this upload shows the key it would have had (dedup is not observable by a client).
   */
  private static String ownKey(Upload u) {
    String k = u.storageKey();
    if (k == null || !k.startsWith("uploads/") || k.contains("/" + u.id() + "/")) {
      return k;
    }
    return ObjectKeys.of(u);
  }

  private static String time(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
