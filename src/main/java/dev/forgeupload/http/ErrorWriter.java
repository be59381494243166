package dev.forgeupload.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one place errors are written: plain text for tus, JSON {code, message} for the API. */
public final class ErrorWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ErrorWriter() {}

  public static void tus(HttpServletResponse resp, int status, String message) throws IOException {
    if (resp.isCommitted()) {
      return;
    }
    resp.resetBuffer();
    resp.setStatus(status);
    if (status == 412) {
      resp.setHeader("Tus-Version", "1.0.0");
    }
    resp.setHeader("Cache-Control", "no-store");
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    resp.setContentType("text/plain; charset=utf-8");
    resp.setContentLength(body.length);
    resp.getOutputStream().write(body);
  }

  public static void api(HttpServletResponse resp, int status, String code, String message)
      throws IOException {
    if (resp.isCommitted()) {
      return;
    }
    resp.resetBuffer();
    resp.setStatus(status);
    Map<String, String> m = new LinkedHashMap<>();
    m.put("code", code);
    m.put("message", message);
    byte[] body = JSON.writeValueAsBytes(m);
    resp.setContentType("application/json");
    resp.setHeader("Cache-Control", "no-store");
    resp.setContentLength(body.length);
    resp.getOutputStream().write(body);
  }
}
