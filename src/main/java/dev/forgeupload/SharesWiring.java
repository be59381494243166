package dev.forgeupload;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.config.Config;
import dev.forgeupload.db.JooqShareStore;
import dev.forgeupload.db.JooqUploadVersions;
import dev.forgeupload.http.ApiServlet;
import dev.forgeupload.http.FileRoutes;
import dev.forgeupload.shares.ShareLinks;
import dev.forgeupload.shares.ShareTokens;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

/** Share links, versions and bulk delete on the backends (issue 16, items 1 to 3). */
final class SharesWiring {
  private SharesWiring() {}

  static ShareLinks links(Config config, Backends b, AuditLog audit) {
    return new ShareLinks(
        new JooqShareStore(b.db().dsl()), b.uploads().lifecycle()::find,
        new ShareTokens(new SecureRandom()), audit, config.uploads().shareMax(),
        Clock.systemUTC());
  }

  static List<ApiServlet.Route> routes(ShareLinks shares, Backends b, AuditLog audit) {
    return FileRoutes.of(shares, new JooqUploadVersions(b.db().dsl()), b.uploads(), b.locks(),
        audit);
  }
}
