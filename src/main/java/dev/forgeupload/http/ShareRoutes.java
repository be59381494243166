package dev.forgeupload.http;

import static dev.forgeupload.http.ApiJson.write;
import static dev.forgeupload.http.ApiServlet.ID;
import static dev.forgeupload.http.ApiServlet.route;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadIds;
import dev.forgeupload.shares.Share;
import dev.forgeupload.shares.ShareLinks;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;

/**
 * {@code /api/v1/uploads/{id}/shares} (create, list) and {@code /api/v1/shares/{id}} (revoke):
 * the owner's or an admin's; anyone else gets a 404 as for the upload itself.
 */
final class ShareRoutes {
  private static final Set<String> FIELDS = Set.of("expires_in_seconds", "max_downloads");
  private final ShareLinks shares;

  ShareRoutes(ShareLinks shares) {
    this.shares = shares;
  }

  List<ApiServlet.Route> routes() {
    return List.of(
        route("POST", "/uploads/{id}/shares", "/uploads/" + ID + "/shares",
            (m, q, r) -> create(id(m), q, r)),
        route("GET", "/uploads/{id}/shares", "/uploads/" + ID + "/shares",
            (m, q, r) -> list(id(m), q, r)),
        route("DELETE", "/shares/{id}", "/shares/" + ID, (m, q, r) -> revoke(id(m), q, r)));
  }

  private static UUID id(Matcher m) {
    return UploadIds.parse(m.group(1)).orElseThrow(UploadException::notFound);
  }

  private void create(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    JsonNode body = ApiJson.readJson(req, true);
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw new IllegalArgumentException(
            "unknown field '" + f + "' (expires_in_seconds and max_downloads are allowed)");
      }
    }
    ShareLinks.Created c =
        shares.create(RequestPrincipal.of(req), id,
            new ShareLinks.Request(
                whole(body, "expires_in_seconds"), whole(body, "max_downloads")),
            req.getRemoteAddr());
    Map<String, Object> out = ShareJson.of(c.share(), shares.status(c.share()));
    out.put("url", url(req, c.token()));
    resp.setHeader("Location", "/api/v1/uploads/" + id + "/shares");
    write(resp, 201, out);
  }

  /** A whole number field, or null when absent or null. */
  private static Long whole(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException(field + " must be a whole number");
    }
    return v.asLong();
  }

  /** The link as the caller reached this server (scheme, host and port of the request). */
  static String url(HttpServletRequest req, String token) {
    return URI.create(req.getRequestURL().toString()).resolve("/s/" + token).toString();
  }

  private void list(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    write(resp, 200, Map.of("items",
        shares.list(RequestPrincipal.of(req), id).stream()
            .map(s -> ShareJson.of(s, shares.status(s))).toList()));
  }

  private void revoke(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    Share s = shares.revoke(RequestPrincipal.of(req), id, req.getRemoteAddr());
    write(resp, 200, ShareJson.of(s, shares.status(s)));
  }
}
