package dev.forgeupload.hooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeupload.core.HookType;
import dev.forgeupload.core.UploadHooks;
import dev.forgeupload.core.UploadKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * tusd's v2 hook request as JSON: {@code {"Type", "Event": {"Upload": {...}, "HTTPRequest":
 * {...}}}}, field for field as tusd's Go structs marshal them (Size 0 while deferred,
 * PartialUploads null unless final, Storage null until stored; header names in Go's canonical
 * form, each with a list of values).
 */
final class HookJson {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Request headers that carry credentials: left out of events unless forwarded by name. */
  static final Set<String> CREDENTIALS =
      Set.of("authorization", "proxy-authorization", "cookie", "x-api-key", "x-auth-token");

  private HookJson() {}

  /** What a hook is told of an upload. {@code id} is empty before the upload exists. */
  record Subject(
      String id,
      Long size,
      long offset,
      Map<String, String> metadata,
      UploadKind kind,
      List<UUID> parts,
      String storageKey,
      String sha256) {}

  static byte[] hookRequest(HookType type, Subject upload, String bucket, JsonNode httpRequest) {
    ObjectNode root = JSON.createObjectNode();
    root.put("Type", type.wireName());
    ObjectNode event = root.putObject("Event");
    event.set("Upload", upload(upload, bucket));
    event.set("HTTPRequest", httpRequest == null ? noRequest() : httpRequest);
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static ObjectNode upload(Subject s, String bucket) {
    ObjectNode u = JSON.createObjectNode();
    u.put("ID", s.id());
    u.put("Size", s.size() == null ? 0 : s.size());
    u.put("SizeIsDeferred", s.size() == null);
    u.put("Offset", s.offset());
    ObjectNode meta = u.putObject("MetaData");
    new TreeMap<>(s.metadata()).forEach(meta::put);
    u.put("IsPartial", s.kind() == UploadKind.PARTIAL);
    u.put("IsFinal", s.kind() == UploadKind.FINAL);
    if (s.kind() == UploadKind.FINAL && s.parts() != null) {
      ArrayNode parts = u.putArray("PartialUploads");
      s.parts().forEach(p -> parts.add(p.toString()));
    } else {
      u.putNull("PartialUploads");
    }
    if (s.storageKey() != null) {
      ObjectNode storage = u.putObject("Storage");
      storage.put("Type", "s3store");
      storage.put("Bucket", bucket);
      storage.put("Key", s.storageKey());
      storage.put("SHA256", s.sha256());
    } else {
      u.putNull("Storage");
    }
    return u;
  }

  /** Go's zero HTTPRequest: for events no request caused (the worker's). */
  static ObjectNode noRequest() {
    ObjectNode r = JSON.createObjectNode();
    r.put("Method", "");
    r.put("URI", "");
    r.put("RemoteAddr", "");
    r.putObject("Header");
    return r;
  }

  /**
   * tusd's HTTPRequest for {@code req}: header names canonical, credential headers left out
   * unless {@code forward} names them, {@code access_token} left out of the query.
   */
  static ObjectNode request(UploadHooks.Request req, List<String> forward) {
    Set<String> kept = lower(forward);
    Map<String, List<String>> headers = new TreeMap<>();
    req.headers().forEach((name, values) -> {
      String lower = name.toLowerCase(Locale.ROOT);
      if (CREDENTIALS.contains(lower) && !kept.contains(lower)) {
        return;
      }
      headers.computeIfAbsent(canonical(name), k -> new ArrayList<>()).addAll(values);
    });
    ObjectNode r = JSON.createObjectNode();
    r.put("Method", req.method());
    r.put("URI", withoutToken(req.uri()));
    r.put("RemoteAddr", req.remoteAddr());
    ObjectNode h = r.putObject("Header");
    headers.forEach((name, values) -> {
      ArrayNode a = h.putArray(name);
      values.forEach(a::add);
    });
    return r;
  }

  /**
   * A recorded HTTPRequest (from PostgreSQL's jsonb, which orders keys its own way) in tusd's
   * field order, headers by name; null when {@code stored} is not one.
   */
  static ObjectNode storedRequest(JsonNode stored) {
    if (stored == null || !stored.isObject()) {
      return null;
    }
    ObjectNode r = JSON.createObjectNode();
    r.put("Method", stored.path("Method").asText());
    r.put("URI", stored.path("URI").asText());
    r.put("RemoteAddr", stored.path("RemoteAddr").asText());
    ObjectNode h = r.putObject("Header");
    Map<String, JsonNode> headers = new TreeMap<>();
    stored.path("Header").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue()));
    headers.forEach(h::set);
    return r;
  }

  /** The request headers {@code names} picks out of an event's HTTPRequest, as named. */
  static Map<String, List<String>> forwarded(JsonNode httpRequest, List<String> names) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    JsonNode header = httpRequest == null ? null : httpRequest.get("Header");
    if (header == null || !header.isObject()) {
      return out;
    }
    for (String n : names) {
      JsonNode values = header.get(canonical(n));
      if (values != null && values.isArray() && !values.isEmpty()) {
        List<String> v = new ArrayList<>();
        values.forEach(x -> v.add(x.asText()));
        out.put(n, v);
      }
    }
    return out;
  }

  /** Go's {@code http.CanonicalHeaderKey}: upper case at the start and after each dash. */
  static String canonical(String name) {
    if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
      return name;
    }
    StringBuilder b = new StringBuilder(name.length());
    boolean upper = true;
    for (char c : name.toCharArray()) {
      b.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
      upper = c == '-';
    }
    return b.toString();
  }

  private static Set<String> lower(List<String> names) {
    Set<String> out = new HashSet<>();
    names.forEach(n -> out.add(n.toLowerCase(Locale.ROOT)));
    return out;
  }

  private static String withoutToken(String uri) {
    int q = uri.indexOf('?');
    if (q < 0) {
      return uri;
    }
    List<String> kept = new ArrayList<>();
    for (String p : uri.substring(q + 1).split("&")) {
      if (!p.equals("access_token") && !p.startsWith("access_token=")) {
        kept.add(p);
      }
    }
    return uri.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
  }
}
