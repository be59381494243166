package dev.forgeupload.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place errors are written: plain text for tus, JSON {code, message} for the API. Every
 * error written is reported to {@link Rejections} with its status and code (one instance per
 * server, so servers sharing a JVM count apart).
 *
 * <p>An error sent before the request's body was read ends the connection and says so with
 * {@code Connection: close}: Jetty cannot skip a body that has not arrived yet, so it closes the
 * connection after the response, and a client told nothing would send its next request into a
 * closed socket.
 */
public final class ErrorWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Told of every error response written, with its status and stable code. */
  @FunctionalInterface
  public interface Rejections {
    void rejected(int status, String code);
  }

  /** Writes errors and counts nothing (unit tests, the last-resort 500 of RequestIdFilter). */
  public static final ErrorWriter UNCOUNTED = new ErrorWriter((status, code) -> {});

  private final Rejections rejections;

  public ErrorWriter(Rejections rejections) {
    this.rejections = rejections;
  }

  /** The error as the tus endpoint answers: plain text, with {@code Tus-Resumable}. */
  public void tus(HttpServletRequest req, HttpServletResponse resp, UploadException e)
      throws IOException {
    tus(req, resp, e.problem(), e.getMessage());
  }

  public void tus(HttpServletRequest req, HttpServletResponse resp, Problem problem,
      String message) throws IOException {
    if (!resp.isCommitted()) {
      resp.setHeader("Tus-Resumable", "1.0.0");
    }
    tus(req, resp, problem.status(), problem.code(), message);
  }

  /**
   * A hook's refusal (RejectUpload, RejectTermination, StopUpload): its 4xx status and its body as
   * the hook wrote it, in its content type (plain text when it named none); counted as {@code
   * hook_rejected}.
   */
  public void tusHook(HttpServletRequest req, HttpServletResponse resp, int status, String body,
      String contentType) throws IOException {
    if (resp.isCommitted()) {
      return;
    }
    rejections.rejected(status, "hook_rejected");
    resp.resetBuffer();
    resp.setStatus(status);
    closeIfBodyUnread(req, resp);
    resp.setHeader("Tus-Resumable", "1.0.0");
    resp.setHeader("Cache-Control", "no-store");
    byte[] bytes = (body == null ? "" : body).getBytes(StandardCharsets.UTF_8);
    resp.setContentType(contentType == null ? "text/plain; charset=utf-8" : contentType);
    resp.setContentLength(bytes.length);
    resp.getOutputStream().write(bytes);
  }

  /** The error as the API answers: JSON {code, message}. */
  public void api(HttpServletRequest req, HttpServletResponse resp, UploadException e)
      throws IOException {
    api(req, resp, e.problem(), e.getMessage());
  }

  public void api(HttpServletRequest req, HttpServletResponse resp, Problem problem,
      String message) throws IOException {
    api(req, resp, problem.status(), problem.code(), message);
  }

  private void tus(HttpServletRequest req, HttpServletResponse resp, int status, String code,
      String message) throws IOException {
    if (resp.isCommitted()) {
      return;
    }
    rejections.rejected(status, code);
    resp.resetBuffer();
    resp.setStatus(status);
    closeIfBodyUnread(req, resp);
    if (status == 412) {
      resp.setHeader("Tus-Version", "1.0.0");
    }
    resp.setHeader("Cache-Control", "no-store");
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    resp.setContentType("text/plain; charset=utf-8");
    resp.setContentLength(body.length);
    resp.getOutputStream().write(body);
  }

  private void api(HttpServletRequest req, HttpServletResponse resp, int status, String code,
      String message) throws IOException {
    if (resp.isCommitted()) {
      return;
    }
    rejections.rejected(status, code);
    resp.resetBuffer();
    resp.setStatus(status);
    closeIfBodyUnread(req, resp);
    Map<String, String> m = new LinkedHashMap<>();
    m.put("code", code);
    m.put("message", message);
    byte[] body = JSON.writeValueAsBytes(m);
    resp.setContentType("application/json");
    resp.setHeader("Cache-Control", "no-store");
    resp.setContentLength(body.length);
    resp.getOutputStream().write(body);
  }

  /** {@code Connection: close} when the request declared a body not read to its end. */
  private static void closeIfBodyUnread(HttpServletRequest req, HttpServletResponse resp) {
    boolean declared =
        req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null;
    if (!declared) {
      return;
    }
    boolean finished;
    try {
      finished = req.getInputStream().isFinished();
    } catch (IOException | IllegalStateException e) {
      finished = false; // read as a reader, or unreadable: nothing says it ended
    }
    if (!finished) {
      resp.setHeader("Connection", "close");
    }
  }
}
