package dev.forgeupload.tus;

import dev.forgeupload.core.UploadHooks;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import me.desair.tus.server.HttpMethod;

/**
 * The tus endpoint's side of hooks: the request a hook is told about, and a hook's reply applied
 * to a successful response (its headers, and a 2xx status and body). Headers that carry the
 * protocol or the server's security policy stay ours.
 */
final class HookReplies {
  private static final Set<String> OURS =
      Set.of("location", "upload-offset", "upload-length", "upload-expires", "upload-metadata",
          "upload-concat", "upload-defer-length", "tus-resumable", "tus-version", "tus-extension",
          "tus-max-size", "tus-checksum-algorithm", "content-length", "transfer-encoding",
          "connection", "content-security-policy", "x-content-type-options",
          "strict-transport-security", "referrer-policy", "x-frame-options");

  private HookReplies() {}

  /** tusd's HTTPRequest: method, URI with query, peer as host:port, every header. */
  static UploadHooks.Request request(HttpMethod method, HttpServletRequest req) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    Set<String> seen = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (Enumeration<String> names = req.getHeaderNames(); names.hasMoreElements(); ) {
      String name = names.nextElement();
      if (seen.add(name)) {
        headers.put(name, new ArrayList<>(Collections.list(req.getHeaders(name))));
      }
    }
    String uri = req.getRequestURI()
        + (req.getQueryString() == null ? "" : "?" + req.getQueryString());
    String addr = req.getRemoteAddr();
    if (addr.indexOf(':') >= 0) {
      addr = "[" + addr + "]";
    }
    return new UploadHooks.Request(method.name(), uri, addr + ":" + req.getRemotePort(), headers);
  }

  /** Writes the response: {@code status} unless the hook gave a 2xx, its headers and body. */
  static void send(HttpServletResponse resp, UploadHooks.Reply reply, int status)
      throws IOException {
    reply.headers().forEach((name, value) -> {
      if (!OURS.contains(name.toLowerCase(Locale.ROOT))) {
        resp.setHeader(name, value);
      }
    });
    int s = reply.status() >= 200 && reply.status() <= 299 ? reply.status() : status;
    resp.setStatus(s);
    if (reply.body() != null && !reply.body().isEmpty() && s != HttpServletResponse.SC_NO_CONTENT) {
      byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
      if (resp.getContentType() == null) {
        resp.setContentType("text/plain; charset=utf-8");
      }
      resp.setContentLength(body.length);
      resp.getOutputStream().write(body);
    }
  }

  /** The content type a hook's refusal names, or null. */
  static String contentType(UploadHooks.Reply reply) {
    for (Map.Entry<String, String> h : reply.headers().entrySet()) {
      if (h.getKey().equalsIgnoreCase("Content-Type")) {
        return h.getValue();
      }
    }
    return null;
  }

  /** A refusal's headers (before its status and body are written). */
  static void headers(HttpServletResponse resp, UploadHooks.Reply reply) {
    reply.headers().forEach((name, value) -> {
      String lower = name.toLowerCase(Locale.ROOT);
      if (!OURS.contains(lower) && !lower.equals("content-type")) {
        resp.setHeader(name, value);
      }
    });
  }
}
