package dev.forgeupload.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * What every API route reads and writes: JSON bodies (at most 16 KiB in), query parameters
 * checked for their range and characters, and the admin check. A bad value is an
 * IllegalArgumentException, which {@link ApiServlet} answers with 400 and its message.
 */
final class ApiJson {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_JSON_BYTES = 16 * 1024;

  private ApiJson() {}

  static void write(HttpServletResponse resp, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    resp.setStatus(status);
    resp.setContentType("application/json");
    resp.setContentLength(bytes.length);
    resp.getOutputStream().write(bytes);
  }

  static JsonNode readJson(HttpServletRequest req) throws IOException {
    return readJson(req, false);
  }

  /** {@code emptyIsObject}: no body (or only white space) reads as {@code {}}. */
  static JsonNode readJson(HttpServletRequest req, boolean emptyIsObject) throws IOException {
    return readJson(req, emptyIsObject, MAX_JSON_BYTES);
  }

  /** With another size limit ({@code maxBytes}, a whole number of KiB). */
  static JsonNode readJson(HttpServletRequest req, boolean emptyIsObject, int maxBytes)
      throws IOException {
    byte[] bytes = req.getInputStream().readNBytes(maxBytes + 1);
    if (emptyIsObject && new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
      return JSON.createObjectNode();
    }
    if (bytes.length > maxBytes) {
      throw new UploadException(
          Problem.TOO_LARGE, "the JSON body is larger than " + maxBytes / 1024 + " KiB");
    }
    try {
      JsonNode n = JSON.readTree(bytes);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("the body must be a JSON object");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the body is not valid JSON");
    }
  }

  static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string");
    }
    return v.asText();
  }

  /**
   * A free-text query parameter: no control characters (PostgreSQL refuses NUL in text, which
   * was a 500), at most 256 characters.
   */
  static String textParam(HttpServletRequest req, String name) {
    String v = req.getParameter(name);
    if (v == null) {
      return null;
    }
    if (v.length() > 256) {
      throw new IllegalArgumentException(name + " is longer than 256 characters");
    }
    if (Principal.hasControl(v)) {
      throw new IllegalArgumentException(name + " must not contain control characters");
    }
    return v;
  }

  static int intParam(HttpServletRequest req, String name, int def, int min, int max) {
    String v = req.getParameter(name);
    if (v == null) {
      return def;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(name + " must be between " + min + " and " + max);
  }

  /** The caller, who must be an admin (403 otherwise). */
  static Principal admin(HttpServletRequest req) {
    Principal p = RequestPrincipal.of(req);
    if (!p.admin()) {
      throw new UploadException(Problem.FORBIDDEN, "this needs the admin scope");
    }
    return p;
  }
}
