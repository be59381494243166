package dev.forgeupload.client;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * A tus request that did not do what it should, with whether trying again can help: network
 * errors, 5xx, 408, 409 (offset moved: ask HEAD), 423 (locked), 429 are worth a retry; other 4xx
 * are the server's final word.
 */
final class TusException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final boolean retryable;
  private final Duration retryAfter;

  private TusException(String message, int status, boolean retryable, Duration retryAfter,
      Throwable cause) {
    super(message, cause);
    this.status = status;
    this.retryable = retryable;
    this.retryAfter = retryAfter;
  }

  /** No answer (refused, reset, timed out, stalled): retryable. */
  static TusException network(String what, Throwable cause) {
    String reason = cause == null ? what
        : what + ": " + (cause.getMessage() == null ? cause.getClass().getSimpleName()
            : cause.getMessage());
    return new TusException(reason, 0, true, Duration.ZERO, cause);
  }

  /** Something on this side (the file cannot be read, a protocol answer makes no sense). */
  static TusException fatal(String message) {
    return new TusException(message, 0, false, Duration.ZERO, null);
  }

  /** An unexpected status: {@code what} failed with the server's reason. */
  static TusException of(String what, HttpResponse<String> r) {
    int s = r.statusCode();
    boolean retry = s >= 500 || s == 408 || s == 409 || s == 423 || s == 429;
    Duration after = r.headers().firstValue("Retry-After").flatMap(TusException::seconds)
        .orElse(Duration.ZERO);
    String hint = s == 401 ? " (a credential is needed: --token or FORGE_UPLOAD_TOKEN)" : "";
    return new TusException(what + ": " + s + reason(r.body()) + hint, s, retry, after, null);
  }

  int status() {
    return status;
  }

  boolean retryable() {
    return retryable;
  }

  /** The server's Retry-After, zero when it sent none. */
  Duration retryAfter() {
    return retryAfter;
  }

  /** 404, 410 or 403: the upload is not (or no longer) there for us. */
  boolean gone() {
    return status == 404 || status == 410 || status == 403;
  }

  private static Optional<Duration> seconds(String v) {
    try {
      return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim()))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The first line of a body, printable characters only, at most 200 of them. */
  private static String reason(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String line = body.strip().lines().findFirst().orElse("").replaceAll("[\\p{Cntrl}]", "");
    return " " + (line.length() > 200 ? line.substring(0, 200) + "..." : line);
  }
}
