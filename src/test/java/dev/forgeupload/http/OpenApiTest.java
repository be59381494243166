package dev.forgeupload.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeupload.auth.ApiKeyStore;
import dev.forgeupload.auth.ApiKeys;
import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.AuditStore;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadQueries;
import dev.forgeupload.core.UploadState;
import dev.forgeupload.testing.OpenApiDocument;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document against the API: the routes it lists are the routes served, every JSON
 * body it describes declares its fields and marks the required ones, and the bodies the API
 * really writes (the servlet behind Jetty, over HTTP, on in-memory stores) match it exactly: a
 * required field missing, a field it does not declare, a wrong type or an unexpected null fails.
 */
class OpenApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OpenApiDocument DOC = OpenApiDocument.load();
  private static final OffsetDateTime T = OffsetDateTime.of(2026, 12, 1, 10, 0, 0, 0, ZoneOffset.UTC);
  private static HttpServer server;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void the_document_describes_exactly_the_routes_that_exist() {
    JsonNode doc = DOC.root();
    assertThat(doc.get("openapi").asText()).startsWith("3.");
    Set<String> documented = new TreeSet<>();
    Iterator<String> paths = doc.get("paths").fieldNames();
    while (paths.hasNext()) {
      String path = paths.next();
      Iterator<String> methods = doc.get("paths").get(path).fieldNames();
      while (methods.hasNext()) {
        documented.add(methods.next().toUpperCase(Locale.ROOT) + " " + path);
      }
    }
    Set<String> served = new TreeSet<>();
    for (ApiServlet.Route r : new ApiServlet(null, null, null, null, null, null, null, Duration.ZERO, ErrorWriter.UNCOUNTED).routes()) {
      served.add(r.method() + " " + r.template());
    }
    for (ApiServlet.Route r : FileRoutes.of(null, null, null, null, null)) {
      served.add(r.method() + " " + r.template()); // ApiServlet's, added by the composition root
    }
    served.add("GET /events"); // its own servlet (EventsServlet)
    for (ApiServlet.Route r : new SyncJobsServlet(null, ErrorWriter.UNCOUNTED).routes()) {
      served.add(r.method() + " " + r.template()); // its own servlet, when sync jobs are on
    }
    assertThat(documented).isEqualTo(served);
  }

  @Test
  void the_state_enum_lists_every_state_in_order() throws Exception {
    JsonNode doc = DOC.root();
    java.util.List<String> documented = new java.util.ArrayList<>();
    doc.at("/components/schemas/State/enum").forEach(s -> documented.add(s.asText()));
    assertThat(documented)
        .isEqualTo(
            java.util.Arrays.stream(dev.forgeupload.core.UploadState.values())
                .map(dev.forgeupload.core.UploadState::dbName)
                .toList());
  }

  @Test
  void every_json_body_declares_its_fields_and_which_are_required() {
    List<String> problems = new ArrayList<>();
    doc(DOC.root().path("paths"), "paths", problems);
    doc(DOC.root().path("components").path("schemas"), "components", problems);
    assertThat(problems).isEmpty();
  }

  /** Walks every schema: no bare object, and `required` names declared fields only. */
  private static void doc(JsonNode node, String at, List<String> problems) {
    if (node.isObject() && "object".equals(node.path("type").asText())) {
      JsonNode props = node.get("properties");
      if (props == null && !node.has("additionalProperties")) {
        problems.add(at + ": an object with neither properties nor additionalProperties");
      }
      if (props != null) {
        if (!node.has("required")) {
          problems.add(at + ": properties without 'required'");
        }
        for (JsonNode r : node.path("required")) {
          if (!props.has(r.asText())) {
            problems.add(at + ": required '" + r.asText() + "' is not a property");
          }
        }
      }
    }
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      doc(e.getValue(), at + "/" + e.getKey(), problems);
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        doc(node.get(i), at + "[" + i + "]", problems);
      }
    }
  }

  @Test
  void the_check_fails_a_body_missing_a_required_field_or_carrying_an_undeclared_one()
      throws Exception {
    JsonNode schema = DOC.responseSchema("GET", "/me", 200);
    ObjectNode good = (ObjectNode) JSON.readTree("{\"subject\":\"alice\",\"admin\":true,\"via\":\"jwt\"}");
    assertThat(DOC.violations(schema, good)).isEmpty();

    ObjectNode missing = good.deepCopy();
    missing.remove("admin");
    assertThat(DOC.violations(schema, missing)).containsExactly("$: required field 'admin' is missing");
    ObjectNode extra = good.deepCopy();
    extra.put("password", "x");
    assertThat(DOC.violations(schema, extra)).containsExactly("$.password: not declared in the document");
    ObjectNode wrongType = good.deepCopy();
    wrongType.put("admin", "yes");
    assertThat(DOC.violations(schema, wrongType)).containsExactly("$.admin: expected a boolean, got \"yes\"");
    ObjectNode badNull = good.deepCopy();
    badNull.putNull("via");
    assertThat(DOC.violations(schema, badNull)).containsExactly("$.via: null, but the schema is not nullable");

    // nested, through $ref and arrays
    JsonNode keys = DOC.responseSchema("GET", "/api-keys", 200);
    JsonNode list = JSON.readTree("{\"items\":[{\"id\":\"not-a-uuid\"}]}");
    assertThat(DOC.violations(keys, list))
        .contains("$.items[0]: required field 'owner' is missing", "$.items[0].id: not a uuid: not-a-uuid");
  }

  // ---- the served bodies ----------------------------------------------------------------

  private static Upload upload(UploadKind kind, UploadState state, boolean full) {
    return new Upload(
        UUID.randomUUID(), full ? "alice" : null, full ? "a.png" : null, full ? "image/png" : null,
        full ? 11L : null, full ? 11 : 0, state, kind, List.of(),
        full ? Map.of("filename", "a.png") : Map.of(), null, full ? "ab".repeat(32) : null,
        full ? "uploads/2026/12/01/x/a.png" : null, full ? null : "boom", "127.0.0.1",
        T, T, full ? T : null, full ? T : null, full ? null : T);
  }

  /** alice's stored upload that the share and version routes serve. */
  private static final Upload SHARED = upload(UploadKind.REGULAR, UploadState.STORED, true);
  private static final Map<UUID, Upload> UPLOADS = new ConcurrentHashMap<>();

  private static final class Queries implements UploadQueries {
    @Override
    public Page list(ListQuery query) {
      return new Page(
          List.of(upload(UploadKind.REGULAR, UploadState.STORED, true),
              upload(UploadKind.PARTIAL, UploadState.UPLOADING, false),
              upload(UploadKind.FINAL, UploadState.FAILED, false)),
          query.cursor() == null ? "next" : null);
    }

    @Override
    public List<StateChange> timeline(UUID id) {
      return List.of(new StateChange(UploadState.QUEUED, null, T));
    }

    @Override
    public Stats stats(int days) {
      Map<String, Long> byState = new LinkedHashMap<>();
      byState.put("stored", 3L);
      byState.put("uploading", 1L);
      return new Stats(List.of(new DayCount("2026-12-01", 4, 1000)),
          List.of(new TypeCount("image/png", 3, 900), new TypeCount("unknown", 1, 100)),
          byState, 900, 3, new UploadQueries.Storage(600, 200, 100),
          List.of(new UploadQueries.DayDownloads("2026-12-01", 7)),
          List.of(new UploadQueries.TopDownload(UUID.randomUUID(), "report.pdf", 5)));
    }
  }

  private static final class Deliveries implements dev.forgeupload.core.HookDeliveries {
    private static final View PENDING =
        new View(UUID.randomUUID(), 2, "post-finish", UUID.randomUUID(), "pending", 3, 503,
            "503 from the receiver", T, null);
    private static final View DELIVERED =
        new View(UUID.randomUUID(), 1, "post-create", UUID.randomUUID(), "delivered", 1, 204, null,
            T, T);

    @Override
    public List<View> list(UUID uploadId, String state, Long beforeSeq, int limit) {
      return List.of(PENDING, DELIVERED).subList(0, Math.min(limit, 2));
    }

    @Override
    public Optional<View> redeliver(UUID id) {
      return id.equals(PENDING.id()) ? Optional.of(PENDING) : Optional.empty();
    }
  }

  private static final class Keys implements ApiKeyStore {
    private final Map<UUID, ApiKeys.KeyInfo> keys = new ConcurrentHashMap<>();

    @Override
    public ApiKeys.KeyInfo insert(NewKey k) {
      ApiKeys.KeyInfo info = new ApiKeys.KeyInfo(k.id(), k.prefix(), k.owner(), k.scope(),
          k.name(), k.createdBy(), T, null, null);
      keys.put(k.id(), info);
      return info;
    }

    @Override
    public List<ApiKeys.KeyInfo> list() {
      return List.copyOf(keys.values());
    }

    @Override
    public Optional<ApiKeys.KeyInfo> find(UUID id) {
      return Optional.ofNullable(keys.get(id));
    }

    @Override
    public void revoke(UUID id) {
      keys.computeIfPresent(id, (i, k) -> new ApiKeys.KeyInfo(k.id(), k.prefix(), k.owner(),
          k.scope(), k.name(), k.createdBy(), k.createdAt(), T, T));
    }

    @Override
    public Optional<ApiKeys.KeyInfo> findUnrevoked(String keyHash) {
      return Optional.empty();
    }

    @Override
    public void markUsed(UUID id) {}

    @Override
    public Set<UUID> unrevoked(Collection<UUID> ids) {
      return Set.of();
    }
  }

  private static final class Audit implements AuditStore {
    @Override
    public void append(List<NewEntry> entries) {}

    @Override
    public List<AuditLog.Entry> list(
        String actor, UUID uploadId, String action, Long before, int limit) {
      List<AuditLog.Entry> all = List.of(
          new AuditLog.Entry(7, T, "alice", "upload.downloaded", UUID.randomUUID(), "127.0.0.1",
              "{\"status\":200,\"bytes\":11}"),
          new AuditLog.Entry(6, T, null, "api_key.created", null, null, null));
      return all.subList(0, Math.min(limit, all.size()));
    }
  }

  /** Attaches the principal the test asks for (X-As): an admin, a user, or the open mode's. */
  private static Filter principals() {
    return (req, resp, chain) -> {
      String as = ((HttpServletRequest) req).getHeader("X-As");
      RequestPrincipal.attach((HttpServletRequest) req,
          "open".equals(as) ? Principal.OPEN
              : "user".equals(as) ? new Principal("bob", false, "api_key")
              : new Principal("alice", true, "jwt"));
      chain.doFilter(req, resp);
    };
  }

  @BeforeAll
  static void start() throws Exception {
    UPLOADS.put(SHARED.id(), SHARED);
    dev.forgeupload.shares.ShareLinks shares = new dev.forgeupload.shares.ShareLinks(
        new dev.forgeupload.shares.MemoryShareStore(), id -> Optional.ofNullable(UPLOADS.get(id)),
        new dev.forgeupload.shares.ShareTokens(new java.security.SecureRandom()), null,
        Duration.ofDays(7), java.time.Clock.systemUTC());
    dev.forgeupload.versions.UploadVersions versions = id -> id.equals(SHARED.id())
        ? Optional.of(new dev.forgeupload.versions.UploadVersions.Versions(SHARED, "a.png",
            List.of(new dev.forgeupload.versions.UploadVersions.Version(2, SHARED),
                new dev.forgeupload.versions.UploadVersions.Version(1,
                    upload(UploadKind.REGULAR, UploadState.FAILED, false)))))
        : Optional.empty();
    ApiServlet api = new ApiServlet(null, new Queries(), null, null, new ApiKeys(new Keys()),
        new AuditLog(new Audit()), new Deliveries(), Duration.ZERO, ErrorWriter.UNCOUNTED,
        FileRoutes.of(shares, versions, null, null, new AuditLog(new Audit())));
    Map<String, HttpServlet> servlets = Map.of("/api/v1/*", api);
    server = new HttpServer(Listener.bind("127.0.0.1", 0), false, Duration.ofSeconds(10), Duration.ZERO, 0,
        Duration.ofSeconds(1), List.of(), principals(), servlets);
    server.start();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      server.stop();
    } catch (TimeoutException e) {
      // the graceful stop (1 s) waits for the test client's kept-alive connections: not a failure
    }
  }

  private record Reply(int status, String body) {}

  private static Reply call(String method, String path, String as, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/api/v1" + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (as != null) {
      b.header("X-As", as);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body());
  }

  /** Calls the route and checks the body against the document's schema for its status. */
  private static JsonNode conforms(String method, String template, String path, String as,
      String body, int status) throws Exception {
    Reply r = call(method, path, as, body);
    assertThat(r.status()).as(method + " " + path + ": " + r.body()).isEqualTo(status);
    assertThat(DOC.violations(method, template, status, r.body()))
        .as(method + " " + path + " -> " + status + ": " + r.body())
        .isEmpty();
    return JSON.readTree(r.body());
  }

  @Test
  void stats_me_and_the_upload_list_match_the_document() throws Exception {
    conforms("GET", "/stats", "/stats", null, null, 200);
    conforms("GET", "/stats", "/stats", "user", null, 403);
    conforms("GET", "/me", "/me", null, null, 200);
    JsonNode open = conforms("GET", "/me", "/me", "open", null, 200);
    assertThat(open.get("subject").isNull()).isTrue();
    JsonNode page = conforms("GET", "/uploads", "/uploads", null, null, 200);
    assertThat(page.get("items")).hasSize(3);
    assertThat(page.get("next_cursor").asText()).isEqualTo("next");
    assertThat(conforms("GET", "/uploads", "/uploads?cursor=x", null, null, 200)
        .get("next_cursor").isNull()).isTrue();
    conforms("GET", "/uploads", "/uploads?sort=colour", null, null, 400);
  }

  @Test
  void the_audit_page_and_its_next_before_match_the_document() throws Exception {
    JsonNode full = conforms("GET", "/audit", "/audit?limit=2", null, null, 200);
    assertThat(full.get("next_before").asLong()).isEqualTo(6);
    JsonNode last = conforms("GET", "/audit", "/audit", null, null, 200);
    assertThat(last.get("next_before").isNull()).isTrue();
    assertThat(last.get("items").get(0).get("detail").get("bytes").asInt()).isEqualTo(11);
    conforms("GET", "/audit", "/audit?before=yesterday", null, null, 400);
    conforms("GET", "/audit", "/audit", "user", null, 403);
  }

  @Test
  void the_api_key_routes_match_the_document() throws Exception {
    JsonNode created = conforms("POST", "/api-keys", "/api-keys", null,
        "{\"owner\":\"carol\",\"scope\":\"upload\"}", 201);
    assertThat(created.get("key").asText()).startsWith(ApiKeys.PREFIX);
    conforms("POST", "/api-keys", "/api-keys", null, "{\"owner\":\"dave\",\"name\":\"laptop\",\"scope\":\"admin\"}", 201);
    JsonNode list = conforms("GET", "/api-keys", "/api-keys", null, null, 200);
    assertThat(list.get("items")).hasSize(2);
    String id = created.get("id").asText();
    JsonNode revoked = conforms("DELETE", "/api-keys/{id}", "/api-keys/" + id, null, null, 200);
    assertThat(revoked.get("revoked_at").isNull()).isFalse();
    conforms("DELETE", "/api-keys/{id}", "/api-keys/" + UUID.randomUUID(), null, null, 404);
    conforms("POST", "/api-keys", "/api-keys", null, "{\"scope\":\"upload\"}", 400);
    conforms("GET", "/api-keys", "/api-keys", "user", null, 403);
  }

  @Test
  void the_hook_delivery_routes_match_the_document() throws Exception {
    JsonNode page = conforms("GET", "/hooks/deliveries", "/hooks/deliveries", null, null, 200);
    assertThat(page.get("items")).hasSize(2);
    conforms("GET", "/hooks/deliveries", "/hooks/deliveries?limit=1", null, null, 200);
    conforms("GET", "/hooks/deliveries", "/hooks/deliveries", "user", null, 403);
    String id = page.get("items").get(0).get("id").asText();
    conforms("POST", "/hooks/deliveries/{id}/redeliver", "/hooks/deliveries/" + id + "/redeliver",
        null, null, 202);
    conforms("POST", "/hooks/deliveries/{id}/redeliver",
        "/hooks/deliveries/" + UUID.randomUUID() + "/redeliver", null, null, 404);
  }

  @Test
  void the_share_link_routes_match_the_document() throws Exception {
    String base = "/uploads/" + SHARED.id() + "/shares";
    String t = "/uploads/{id}/shares";
    JsonNode made = conforms("POST", t, base, null,
        "{\"expires_in_seconds\":60,\"max_downloads\":2}", 201);
    assertThat(made.get("url").asText()).startsWith("http://127.0.0.1:").contains("/s/");
    assertThat(made.get("max_downloads").asInt()).isEqualTo(2);
    conforms("POST", t, base, null, null, 201);
    conforms("POST", t, base, null, "{\"expires_in_seconds\":\"soon\"}", 400);
    conforms("POST", t, base, null, "{\"max_downloads\":0}", 400);
    conforms("POST", t, base, null, "{\"colour\":1}", 400);
    conforms("POST", t, "/uploads/" + UUID.randomUUID() + "/shares", null, null, 404);
    JsonNode list = conforms("GET", t, base, null, null, 200);
    assertThat(list.get("items")).hasSize(2);
    JsonNode revoked = conforms("DELETE", "/shares/{id}", "/shares/" + made.get("id").asText(),
        null, null, 200);
    assertThat(revoked.get("status").asText()).isEqualTo("revoked");
    conforms("DELETE", "/shares/{id}", "/shares/" + UUID.randomUUID(), null, null, 404);
    conforms("GET", t, base, "user", null, 404);
  }

  @Test
  void the_version_list_and_bulk_delete_refusals_match_the_document() throws Exception {
    JsonNode v = conforms("GET", "/uploads/{id}/versions", "/uploads/" + SHARED.id() + "/versions",
        null, null, 200);
    assertThat(v.get("items").get(0).get("version").asInt()).isEqualTo(2);
    conforms("GET", "/uploads/{id}/versions", "/uploads/" + SHARED.id() + "/versions", "user",
        null, 404);
    conforms("GET", "/uploads/{id}/versions", "/uploads/" + UUID.randomUUID() + "/versions", null,
        null, 404);
    conforms("POST", "/uploads/delete", "/uploads/delete", null, "{\"ids\":[]}", 400);
    conforms("POST", "/uploads/delete", "/uploads/delete", null, "{\"ids\":[1]}", 400);
    conforms("POST", "/uploads/delete", "/uploads/delete", null, "{}", 400);
    conforms("GET", "/uploads", "/uploads?latest=maybe", null, null, 400);
    conforms("GET", "/uploads", "/uploads?latest=true", null, null, 200);
  }
}
