package dev.forgeupload.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The API's OpenAPI document ({@code /openapi.json}) and a strict check of JSON bodies against
 * its schemas: the subset of OpenAPI 3.0 the document uses ({@code $ref}, {@code type}, {@code
 * nullable}, {@code enum}, {@code format} date-time / date / uuid, {@code properties}, {@code
 * required}, {@code items}, {@code additionalProperties}). Stricter than OpenAPI in one way, on
 * purpose: an object schema is closed unless it says {@code additionalProperties}, so a field the
 * server sends but the document does not declare is an error, as is a declared one it leaves out
 * when the schema requires it. Anything else the document says that this check does not know is
 * an error too, so the check cannot silently pass over it.
 */
public final class OpenApiDocument {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final java.util.Set<String> KNOWN =
      java.util.Set.of(
          "$ref", "type", "nullable", "enum", "format", "properties", "required", "items",
          "additionalProperties", "description", "default", "minimum", "maximum", "maxLength");

  private final JsonNode doc;

  private OpenApiDocument(JsonNode doc) {
    this.doc = doc;
  }

  /** The document the server serves, from the classpath. */
  public static OpenApiDocument load() {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream("/openapi.json")) {
      return new OpenApiDocument(JSON.readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public JsonNode root() {
    return doc;
  }

  /**
   * The schema of the JSON body of {@code method path} answering {@code status}, where {@code
   * path} is the document's template ({@code /api-keys/{id}}).
   */
  public JsonNode responseSchema(String method, String path, int status) {
    JsonNode op = doc.path("paths").path(path).path(method.toLowerCase(Locale.ROOT));
    if (op.isMissingNode()) {
      throw new AssertionError("the document has no " + method + " " + path);
    }
    JsonNode schema =
        op.path("responses").path(Integer.toString(status)).path("content")
            .path("application/json").path("schema");
    if (schema.isMissingNode()) {
      throw new AssertionError(
          "the document has no JSON body for " + method + " " + path + " " + status);
    }
    return schema;
  }

  /** Every way {@code body} departs from {@code schema}, as {@code $.path: what}; empty if none. */
  public List<String> violations(JsonNode schema, JsonNode body) {
    List<String> out = new ArrayList<>();
    check(schema, body, "$", out);
    return out;
  }

  /** {@link #violations} of the body of {@code method path status}. */
  public List<String> violations(String method, String path, int status, String body) {
    try {
      return violations(responseSchema(method, path, status), JSON.readTree(body));
    } catch (IOException e) {
      return List.of("$: not JSON: " + body);
    }
  }

  /** A {@code $ref} resolved (only local ones: {@code #/components/schemas/X}). */
  public JsonNode resolve(JsonNode schema) {
    JsonNode s = schema;
    for (int depth = 0; s.has("$ref"); depth++) {
      String ref = s.get("$ref").asText();
      if (!ref.startsWith("#/") || depth > 16) {
        throw new AssertionError("unsupported $ref " + ref);
      }
      s = doc.at(ref.substring(1));
      if (s.isMissingNode()) {
        throw new AssertionError("dangling $ref " + ref);
      }
    }
    return s;
  }

  private void check(JsonNode schemaOrRef, JsonNode v, String at, List<String> out) {
    JsonNode s = resolve(schemaOrRef);
    Iterator<String> keys = s.fieldNames();
    while (keys.hasNext()) {
      String k = keys.next();
      if (!KNOWN.contains(k)) {
        out.add(at + ": the schema uses '" + k + "', which this check does not know");
      }
    }
    if (v.isNull()) {
      if (!s.path("nullable").asBoolean(false)) {
        out.add(at + ": null, but the schema is not nullable");
      }
      return;
    }
    if (s.has("enum")) {
      boolean found = false;
      for (JsonNode e : s.get("enum")) {
        found |= e.equals(v);
      }
      if (!found) {
        out.add(at + ": " + v + " is not one of " + s.get("enum"));
      }
    }
    String type = s.path("type").asText("");
    switch (type) {
      case "object" -> checkObject(s, v, at, out);
      case "array" -> {
        if (!v.isArray()) {
          out.add(at + ": expected an array, got " + v.getNodeType());
          return;
        }
        for (int i = 0; i < v.size(); i++) {
          check(s.get("items"), v.get(i), at + "[" + i + "]", out);
        }
      }
      case "string" -> {
        if (!v.isTextual()) {
          out.add(at + ": expected a string, got " + v.getNodeType());
          return;
        }
        checkFormat(s.path("format").asText(""), v.asText(), at, out);
      }
      case "integer" -> {
        if (!v.isIntegralNumber()) {
          out.add(at + ": expected an integer, got " + v);
        }
      }
      case "number" -> {
        if (!v.isNumber()) {
          out.add(at + ": expected a number, got " + v);
        }
      }
      case "boolean" -> {
        if (!v.isBoolean()) {
          out.add(at + ": expected a boolean, got " + v);
        }
      }
      default -> out.add(at + ": the schema has no type this check knows: '" + type + "'");
    }
  }

  private void checkObject(JsonNode s, JsonNode v, String at, List<String> out) {
    if (!v.isObject()) {
      out.add(at + ": expected an object, got " + v.getNodeType());
      return;
    }
    JsonNode props = s.path("properties");
    for (JsonNode r : s.path("required")) {
      if (!v.has(r.asText())) {
        out.add(at + ": required field '" + r.asText() + "' is missing");
      }
    }
    JsonNode extra = s.get("additionalProperties");
    Iterator<Map.Entry<String, JsonNode>> fields = v.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String where = at + "." + f.getKey();
      if (props.has(f.getKey())) {
        check(props.get(f.getKey()), f.getValue(), where, out);
      } else if (extra == null || (extra.isBoolean() && !extra.asBoolean())) {
        out.add(where + ": not declared in the document");
      } else if (extra.isObject()) {
        check(extra, f.getValue(), where, out);
      }
    }
  }

  private static void checkFormat(String format, String v, String at, List<String> out) {
    try {
      switch (format) {
        case "date-time" -> OffsetDateTime.parse(v);
        case "date" -> LocalDate.parse(v);
        case "uuid" -> {
          if (!UUID.fromString(v).toString().equals(v.toLowerCase(Locale.ROOT))) {
            out.add(at + ": not a canonical UUID: " + v);
          }
        }
        default -> {
          // no format, or one that constrains nothing checkable here
        }
      }
    } catch (DateTimeParseException | IllegalArgumentException e) {
      out.add(at + ": not a " + format + ": " + v);
    }
  }
}
