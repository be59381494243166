package dev.forgeupload.http;

import static dev.forgeupload.http.ApiJson.text;
import static dev.forgeupload.http.ApiJson.write;
import static dev.forgeupload.http.ApiServlet.ID;
import static dev.forgeupload.http.ApiServlet.route;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.auth.ApiKeys;
import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadIds;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;

/** {@code /api/v1/api-keys...}: list, create (the key is in this response only), revoke; admin. */
final class ApiKeyRoutes {
  private final ApiKeys apiKeys;
  private final AuditLog audit;

  ApiKeyRoutes(ApiKeys apiKeys, AuditLog audit) {
    this.apiKeys = apiKeys;
    this.audit = audit;
  }

  List<ApiServlet.Route> routes() {
    return List.of(
        route("GET", "/api-keys", "/api-keys", (m, q, r) -> list(q, r)),
        route("POST", "/api-keys", "/api-keys", (m, q, r) -> create(q, r)),
        route("DELETE", "/api-keys/{id}", "/api-keys/" + ID,
            (m, q, r) -> revoke(keyId(m), q, r)));
  }

  private static UUID keyId(Matcher m) {
    return UploadIds.parse(m.group(1)).orElseThrow(ApiKeyRoutes::keyNotFound);
  }

  private static UploadException keyNotFound() {
    return new UploadException(Problem.NOT_FOUND, "API key not found");
  }

  private void list(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ApiJson.admin(req);
    write(resp, 200,
        Map.of("items", apiKeys.list().stream().map(ApiKeyRoutes::keyJson).toList()));
  }

  private void create(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Principal p = ApiJson.admin(req);
    JsonNode body = ApiJson.readJson(req);
    String owner = text(body, "owner");
    String scope = text(body, "scope") == null ? "upload" : text(body, "scope");
    ApiKeys.Created c = apiKeys.create(owner, scope, text(body, "name"), p.subject());
    audit.record(p, AuditLog.Action.API_KEY_CREATED, null, req.getRemoteAddr(),
        Map.of("key_id", c.info().id().toString(), "owner", owner, "scope", scope));
    Map<String, Object> out = keyJson(c.info());
    out.put("key", c.key());
    write(resp, 201, out);
  }

  private void revoke(UUID id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    Principal p = ApiJson.admin(req);
    ApiKeys.KeyInfo k = apiKeys.revoke(id).orElseThrow(ApiKeyRoutes::keyNotFound);
    audit.record(p, AuditLog.Action.API_KEY_REVOKED, null, req.getRemoteAddr(),
        Map.of("key_id", id.toString()));
    write(resp, 200, keyJson(k));
  }

  private static Map<String, Object> keyJson(ApiKeys.KeyInfo k) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", k.id().toString());
    m.put("prefix", k.prefix());
    m.put("owner", k.owner());
    m.put("scope", k.scope());
    m.put("name", k.name());
    m.put("created_by", k.createdBy());
    m.put("created_at", k.createdAt().toInstant().toString());
    m.put("revoked_at", k.revokedAt() == null ? null : k.revokedAt().toInstant().toString());
    m.put("last_used_at", k.lastUsedAt() == null ? null : k.lastUsedAt().toInstant().toString());
    return m;
  }
}
