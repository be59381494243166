package dev.forgeupload.http;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.core.DownloadCounter;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.Uploads;
import dev.forgeupload.core.UploadState;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends the bytes of a finished upload: single byte ranges (206/416), a strong ETag with
 * If-None-Match (304), safe Content-Type and an escaped RFC 6266 / 5987 Content-Disposition.
 * Types not on the allow-list go out as application/octet-stream, and so does every partial
 * upload; everything is an attachment (unless an allow-listed type is asked for inline), never
 * sniffed. Every GET response that carries the first byte is audited as a download.
 */
public final class ContentResponder {
  private static final Set<String> SAFE_TYPES =
      Set.of(
          "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif",
          "audio/mpeg", "audio/ogg", "audio/wav", "audio/webm", "audio/flac",
          "video/mp4", "video/webm", "video/ogg", "application/pdf", "text/plain");
  private static final String OCTET = "application/octet-stream";
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  private final Uploads uploads;
  private final AuditLog audit;
  private final DownloadCounter downloads;

  /** {@code audit} may be null (nothing is audited). */
  public ContentResponder(Uploads uploads, AuditLog audit) {
    this(uploads, audit, DownloadCounter.NONE);
  }

  private ContentResponder(Uploads uploads, AuditLog audit, DownloadCounter downloads) {
    this.uploads = uploads;
    this.audit = audit;
    this.downloads = downloads;
  }

  /** This responder, also counting each download it audits (the statistics' downloads). */
  public ContentResponder counting(DownloadCounter counter) {
    return new ContentResponder(uploads, audit, counter);
  }

  /**
   * Answers a GET or HEAD for the upload's bytes. A GET whose response carries byte 0 (the whole
   * body, whatever Range or If-Range asked for, or a range from 0) is recorded as one
   * {@code upload.downloaded} audit entry, just before the body goes out; ranges that start
   * further in (a player seeking, a resumed download) are not, nor are HEAD, 304 and 416, which
   * send no content.
   */
  public void send(Upload u, HttpServletRequest req, HttpServletResponse resp) throws IOException {
    send(u, req, resp, true, null);
  }

  /** Told just before a shared download's bytes go out; throws to refuse them. */
  @FunctionalInterface
  public interface BeforeBody {
    void sending(long from, long count);
  }

  /**
   * A share link's download ({@code /s/<token>}): the same headers, ranges and ETag as {@link
   * #send}, always an attachment, no {@code upload.downloaded} entry; {@code before} is told of
   * every GET that sends bytes once they could be opened (it counts and audits the download) and
   * may still refuse them. HEAD, 304 and 416 send no bytes and tell it nothing.
   */
  public void sendShared(
      Upload u, HttpServletRequest req, HttpServletResponse resp, BeforeBody before)
      throws IOException {
    send(u, req, resp, false, before);
  }

  private void send(
      Upload u, HttpServletRequest req, HttpServletResponse resp, boolean mayInline,
      BeforeBody before)
      throws IOException {
    requireServable(u);
    String etag = "\"" + u.id() + "\"";
    resp.setHeader("ETag", etag);
    resp.setHeader("X-Content-Type-Options", "nosniff");
    resp.setHeader("Content-Security-Policy", "default-src 'none'; sandbox");
    resp.setHeader("Cache-Control", "private, no-cache");
    if (noneMatch(req, etag)) {
      // RFC 9110 13.1.2: the client's copy is current. If-Modified-Since would come after
      // If-None-Match, and is not evaluated at all (no Last-Modified is sent).
      resp.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
      return;
    }
    resp.setHeader("Accept-Ranges", "bytes");
    describe(u, mayInline && "1".equals(req.getParameter("inline")), resp);
    long[] span = span(u.offset(), etag, req, resp);
    long from = span[0];
    long count = span[1];
    resp.setContentLengthLong(count);
    if ("HEAD".equals(req.getMethod())) {
      return;
    }
    try (InputStream in = uploads.reader().open(u, from, count)) {
      if (before != null) {
        try {
          before.sending(from, count);
        } catch (RuntimeException e) {
          for (String h : new String[] {"ETag", "Accept-Ranges", "Content-Range",
              "Content-Disposition"}) {
            resp.setHeader(h, null);
          }
          resp.setStatus(200);
          throw e;
        }
      } else if (from == 0 && audit != null) {
        // once the bytes could be opened, before they go: a client that drops the connection
        // midway is audited too
        audit.record(RequestPrincipal.of(req), AuditLog.Action.UPLOAD_DOWNLOADED, u.id(),
            req.getRemoteAddr(), Map.of("status", resp.getStatus(), "bytes", count));
      }
      if (from == 0) {
        downloads.downloaded(u.id());
      }
      OutputStream out = resp.getOutputStream();
      in.transferTo(out);
    }
  }

  /** Only a finished upload is served, and a final the content check rejects is not. */
  private void requireServable(Upload u) {
    if (!u.isComplete()) {
      throw new UploadException(Problem.NOT_FINISHED, "upload is not finished yet");
    }
    if (u.kind() == UploadKind.FINAL && u.state() == UploadState.FAILED) {
      // rejected by the content check before rejected finals were made incomplete, or failed
      // in the worker: only the second may be served
      Optional<UploadException> rejected = uploads.gate().checkFinal(u);
      if (rejected.isPresent()) {
        throw new UploadException(
            Problem.NOT_FINISHED, "upload was rejected: " + rejected.get().getMessage());
      }
    }
  }

  /** Content-Type (safe types only) and Content-Disposition (inline only when asked and safe). */
  private static void describe(Upload u, boolean inlineAsked, HttpServletResponse resp) {
    String type = safeType(u.reportedContentType());
    resp.setContentType(type);
    // Inline only when asked (the admin preview) and only for the allow-listed types.
    boolean inline = inlineAsked && !type.equals(OCTET);
    String disposition = disposition(u.filename());
    resp.setHeader(
        "Content-Disposition", inline ? "inline" + disposition.substring("attachment".length())
            : disposition);
  }

  /**
   * What part of the {@code length} bytes goes out, {@code {from, count}}: a satisfiable single
   * Range (206, when If-Range is absent or our ETag), else everything; 416 when unsatisfiable.
   */
  private static long[] span(
      long length, String etag, HttpServletRequest req, HttpServletResponse resp) {
    String range = req.getHeader("Range");
    String ifRange = req.getHeader("If-Range");
    if (range != null && (ifRange == null || ifRange.equals(etag))) {
      long[] r = parseRange(range, length);
      if (r == null) {
        resp.setHeader("Content-Range", "bytes */" + length);
        throw new UploadException(Problem.RANGE_NOT_SATISFIABLE, "range not satisfiable");
      }
      if (r.length == 2) {
        resp.setStatus(206);
        resp.setHeader("Content-Range", "bytes " + r[0] + "-" + r[1] + "/" + length);
        return new long[] {r[0], r[1] - r[0] + 1};
      }
    }
    return new long[] {0, length};
  }

  /**
   * If-None-Match (every field line): {@code *} or one of the listed entity tags equals ours by
   * the weak comparison RFC 9110 asks for here ({@code W/"x"} matches {@code "x"}).
   */
  static boolean noneMatch(HttpServletRequest req, String etag) {
    if (req.getHeader("If-None-Match") == null) {
      return false;
    }
    for (String line : Collections.list(req.getHeaders("If-None-Match"))) {
      for (String tag : line.split(",")) {
        String t = tag.strip();
        if (t.equals("*")) {
          return true;
        }
        if (t.startsWith("W/")) {
          t = t.substring(2);
        }
        if (t.equals(etag)) {
          return true;
        }
      }
    }
    return false;
  }

  /** {from, to} inclusive; empty array = ignore the header (serve all); null = unsatisfiable. */
  static long[] parseRange(String header, long length) {
    Matcher m = RANGE.matcher(header.strip());
    if (!m.matches()) {
      return new long[0]; // multiple ranges or another unit: serve the whole body
    }
    String a = m.group(1);
    String b = m.group(2);
    try {
      if (a.isEmpty()) {
        if (b.isEmpty()) {
          return new long[0];
        }
        long suffix = Long.parseLong(b);
        if (suffix == 0 || length == 0) {
          return null;
        }
        return new long[] {Math.max(0, length - suffix), length - 1};
      }
      long from = Long.parseLong(a);
      long to = b.isEmpty() ? length - 1 : Math.min(Long.parseLong(b), length - 1);
      if (from >= length || (!b.isEmpty() && Long.parseLong(b) < from)) {
        return null;
      }
      return new long[] {from, to};
    } catch (NumberFormatException e) {
      return new long[0];
    }
  }

  static String safeType(String declared) {
    if (declared == null) {
      return "application/octet-stream";
    }
    String t = declared.strip().toLowerCase(Locale.ROOT);
    int semi = t.indexOf(';');
    if (semi >= 0) {
      t = t.substring(0, semi).strip();
    }
    return SAFE_TYPES.contains(t) ? t : "application/octet-stream";
  }

  /** {@code attachment; filename="ascii"; filename*=UTF-8''percent-encoded}. */
  static String disposition(String filename) {
    if (filename == null || filename.isBlank()) {
      return "attachment";
    }
    String base = filename.replace('\\', '/');
    base = base.substring(base.lastIndexOf('/') + 1);
    StringBuilder ascii = new StringBuilder();
    for (char c : base.toCharArray()) {
      ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '%' ? c : '_');
    }
    String encoded =
        URLEncoder.encode(base, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A");
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
  }
}
