package dev.forgeupload.http;

import static dev.forgeupload.http.ApiJson.write;
import static dev.forgeupload.http.ApiServlet.ID;
import static dev.forgeupload.http.ApiServlet.route;

import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadIds;
import dev.forgeupload.versions.UploadVersions;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** {@code /api/v1/uploads/{id}/versions}: the file's versions, newest first, numbered. */
final class VersionRoutes {
  private final UploadVersions versions;

  VersionRoutes(UploadVersions versions) {
    this.versions = versions;
  }

  List<ApiServlet.Route> routes() {
    return List.of(
        route("GET", "/uploads/{id}/versions", "/uploads/" + ID + "/versions",
            (m, q, r) -> list(UploadIds.parse(m.group(1)).orElseThrow(UploadException::notFound),
                q, r)));
  }

  private void list(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    Principal p = RequestPrincipal.of(req);
    UploadVersions.Versions v = versions.of(id).filter(x -> p.canSee(x.upload().owner()))
        .orElseThrow(UploadException::notFound);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("logical_name", v.logicalName());
    body.put("items", v.items().stream().map(x -> {
      Map<String, Object> m = UploadJson.of(x.upload());
      m.put("version", x.number());
      return m;
    }).toList());
    write(resp, 200, body);
  }
}
