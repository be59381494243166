package dev.forgeupload.hooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.core.UploadHooks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * tusd's hook response, read from a 2xx answer's body: {@code HTTPResponse {StatusCode, Body,
 * Header}}, {@code RejectUpload}, {@code RejectTermination}, {@code ChangeFileInfo {ID,
 * MetaData}} (its {@code Storage} is ignored, as tusd's S3 store does) and {@code StopUpload}.
 * An empty body is the empty response; anything that is not such a JSON object is {@link
 * Invalid}, and so is a header a response must not carry (control characters, a bad name).
 */
record HookResponse(
    UploadHooks.Reply reply,
    boolean rejectUpload,
    boolean rejectTermination,
    String changeId,
    Map<String, String> changeMetadata,
    boolean stopUpload) {

  static final HookResponse EMPTY =
      new HookResponse(UploadHooks.Reply.NONE, false, false, null, null, false);

  /** The answer is not a hook response; the message says why, without echoing it. */
  static final class Invalid extends Exception {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  static HookResponse parse(byte[] body) throws Invalid {
    if (body == null || new String(body, StandardCharsets.UTF_8).isBlank()) {
      return EMPTY;
    }
    JsonNode root;
    try {
      root = HookJson.JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new Invalid("the response body is not JSON");
    } catch (IOException e) {
      throw new Invalid("the response body could not be read");
    }
    if (root == null || !root.isObject()) {
      throw new Invalid("the response body is not a JSON object");
    }
    JsonNode change = object(root, "ChangeFileInfo");
    return new HookResponse(
        reply(object(root, "HTTPResponse")),
        bool(root, "RejectUpload"),
        bool(root, "RejectTermination"),
        change == null ? null : text(change, "ID"),
        change == null ? null : strings(change, "MetaData"),
        bool(root, "StopUpload"));
  }

  private static UploadHooks.Reply reply(JsonNode r) throws Invalid {
    if (r == null) {
      return UploadHooks.Reply.NONE;
    }
    JsonNode code = r.get("StatusCode");
    int status = 0;
    if (code != null && !code.isNull()) {
      if (!code.canConvertToInt() || !code.isIntegralNumber()) {
        throw new Invalid("HTTPResponse.StatusCode is not an integer");
      }
      status = code.intValue();
      if (status != 0 && (status < 100 || status > 599)) {
        throw new Invalid("HTTPResponse.StatusCode " + status + " is not an HTTP status");
      }
    }
    Map<String, String> headers = strings(r, "Header");
    if (headers != null) {
      for (Map.Entry<String, String> h : headers.entrySet()) {
        if (!h.getKey().matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")
            || h.getValue().chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
          throw new Invalid("HTTPResponse.Header has a name or value no response may carry");
        }
      }
    }
    return new UploadHooks.Reply(status, text(r, "Body"), headers == null ? Map.of()
        : Map.copyOf(headers));
  }

  private static JsonNode object(JsonNode parent, String field) throws Invalid {
    JsonNode n = parent.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw new Invalid(field + " is not an object");
    }
    return n;
  }

  private static boolean bool(JsonNode parent, String field) throws Invalid {
    JsonNode n = parent.get(field);
    if (n == null || n.isNull()) {
      return false;
    }
    if (!n.isBoolean()) {
      throw new Invalid(field + " is not a boolean");
    }
    return n.booleanValue();
  }

  private static String text(JsonNode parent, String field) throws Invalid {
    JsonNode n = parent.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw new Invalid(field + " is not a string");
    }
    return n.textValue();
  }

  /** A string-to-string object (tusd's MetaData and HTTPHeader), or null when absent. */
  private static Map<String, String> strings(JsonNode parent, String field) throws Invalid {
    JsonNode n = object(parent, field);
    if (n == null) {
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = n.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new Invalid(field + "." + e.getKey() + " is not a string");
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
    return out;
  }
}
