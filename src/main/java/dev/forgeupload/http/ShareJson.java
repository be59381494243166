package dev.forgeupload.http;

import dev.forgeupload.shares.Share;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The API's JSON view of a share link (its token is never stored, so only a new link has a url). */
final class ShareJson {
  private ShareJson() {}

  static Map<String, Object> of(Share s, Share.Status status) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id().toString());
    m.put("upload_id", s.uploadId().toString());
    m.put("expires_at", s.expiresAt().toInstant().toString());
    m.put("max_downloads", s.maxDownloads());
    m.put("downloads", s.downloads());
    m.put("created_at", s.createdAt().toInstant().toString());
    m.put("created_by", s.createdBy());
    m.put("revoked_at", s.revokedAt() == null ? null : s.revokedAt().toInstant().toString());
    m.put("status", status.name().toLowerCase(Locale.ROOT));
    return m;
  }
}
