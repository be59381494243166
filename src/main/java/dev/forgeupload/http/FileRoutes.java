package dev.forgeupload.http;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.core.UploadLocks;
import dev.forgeupload.core.Uploads;
import dev.forgeupload.shares.ShareLinks;
import dev.forgeupload.versions.UploadVersions;
import java.util.ArrayList;
import java.util.List;

/** The API routes for files people share and keep: share links, versions, bulk delete. */
public final class FileRoutes {
  private FileRoutes() {}

  /** For {@link ApiServlet}; any argument may be null where only the table is needed. */
  public static List<ApiServlet.Route> of(
      ShareLinks shares, UploadVersions versions, Uploads uploads, UploadLocks locks,
      AuditLog audit) {
    List<ApiServlet.Route> all = new ArrayList<>();
    all.addAll(new BulkDeleteRoutes(uploads, locks, audit).routes());
    all.addAll(new VersionRoutes(versions).routes());
    all.addAll(new ShareRoutes(shares).routes());
    return all;
  }
}
