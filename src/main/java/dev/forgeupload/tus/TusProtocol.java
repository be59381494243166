package dev.forgeupload.tus;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.Checksum;
import dev.forgeupload.core.Metadata;
import dev.forgeupload.core.NewUpload;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadIds;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadLocks;
import dev.forgeupload.core.Patch;
import dev.forgeupload.core.Uploads;
import dev.forgeupload.http.ContentResponder;
import dev.forgeupload.http.RequestPrincipal;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import me.desair.tus.server.HttpMethod;
import me.desair.tus.server.util.TusServletRequest;
import me.desair.tus.server.util.TusServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The tus 1.0.0 request handlers: what each method does once the request is valid. */
final class TusProtocol {
  static final String TUS_VERSION = "1.0.0";
  static final String OFFSET_OCTET_STREAM = "application/offset+octet-stream";
  static final String LOCK_ATTRIBUTE = TusProtocol.class.getName() + ".lock";
  private static final Logger log = LoggerFactory.getLogger(TusProtocol.class);
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,19}");

  private final Uploads uploads;
  private final UploadLocks locks;
  private final ContentResponder content;
  private final AuditLog audit;
  private final String uploadPath;
  private final int maxMetadataBytes;
  private final int maxConcatParts;
  private final Duration stallTimeout;
  private final long minBodyBytesPerSecond;

  TusProtocol(
      Uploads uploads,
      UploadLocks locks,
      ContentResponder content,
      AuditLog audit,
      String uploadPath,
      int maxMetadataBytes,
      int maxConcatParts,
      Duration stallTimeout,
      long minBodyBytesPerSecond) {
    this.uploads = uploads;
    this.locks = locks;
    this.content = content;
    this.audit = audit;
    this.uploadPath = uploadPath;
    this.maxMetadataBytes = maxMetadataBytes;
    this.maxConcatParts = maxConcatParts;
    this.stallTimeout = stallTimeout;
    this.minBodyBytesPerSecond = minBodyBytesPerSecond;
  }

  // ---- OPTIONS

  void options(TusServletResponse resp, List<String> extensions) {
    resp.setHeader("Tus-Version", TUS_VERSION);
    resp.setHeader("Tus-Max-Size", Long.toString(uploads.writer().maxUploadBytes()));
    resp.setHeader("Tus-Extension", String.join(",", extensions));
    if (extensions.contains("checksum")) {
      resp.setHeader("Tus-Checksum-Algorithm", String.join(",", Checksum.SUPPORTED));
    }
    resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
  }

  // ---- HEAD

  void head(UUID id, TusServletResponse resp) {
    Upload u = uploads.lifecycle().current(id);
    if (!u.isComplete()) {
      locks.requestRelease(id); // a resuming client: let a stalled earlier request go
    }
    if (u.kind() != UploadKind.FINAL || u.isComplete()) {
      resp.setHeader("Upload-Offset", Long.toString(u.offset()));
    }
    if (u.hasLength()) {
      resp.setHeader("Upload-Length", Long.toString(u.length()));
    } else if (u.kind() != UploadKind.FINAL) {
      resp.setHeader("Upload-Defer-Length", "1");
    }
    if (u.metadataHeader() != null) {
      resp.setHeader("Upload-Metadata", u.metadataHeader());
    }
    if (u.kind() != UploadKind.REGULAR) {
      resp.setHeader("Upload-Concat", concatHeader(u));
    }
    expires(resp, u);
    resp.setHeader("Cache-Control", "no-store");
    resp.setStatus(HttpServletResponse.SC_OK);
  }

  private String concatHeader(Upload u) {
    if (u.kind() == UploadKind.PARTIAL) {
      return "partial";
    }
    return "final;"
        + u.concatParts().stream().map(p -> uploadPath + p).collect(Collectors.joining(" "));
  }

  private void expires(HttpServletResponse resp, Upload u) {
    if (!u.isComplete() && u.expiresAt() != null) {
      resp.setDateHeader("Upload-Expires", u.expiresAt().toInstant().toEpochMilli());
    }
  }

  // ---- PATCH

  /** Header syntax of a PATCH, checked before the lock is taken. */
  static void validatePatch(HttpServletRequest req) {
    String ct = req.getContentType();
    if (ct == null || !mediaType(ct).equals(OFFSET_OCTET_STREAM)) {
      throw new UploadException(
          Problem.UNSUPPORTED_MEDIA_TYPE, "PATCH requires Content-Type: " + OFFSET_OCTET_STREAM);
    }
    requiredNumber(req, "Upload-Offset");
    optionalNumber(req, "Upload-Length");
    String checksum = req.getHeader("Upload-Checksum");
    if (checksum != null) {
      Checksum.parse(checksum);
    }
  }

  void patch(UUID id, HttpServletRequest req, TusServletResponse resp) throws IOException {
    BodyStream body = new BodyStream(req.getInputStream(), minBodyBytesPerSecond);
    UploadLocks.Lock lock = (UploadLocks.Lock) req.getAttribute(LOCK_ATTRIBUTE);
    lock.onReleaseRequested(
        () -> {
          if (body.idleNanos() >= stallTimeout.toNanos()) {
            log.info("StalledRequestReleased id={} idle_ms={}", id, body.idleNanos() / 1_000_000);
            abortConnection(req);
          }
        });
    long clientOffset = requiredNumber(req, "Upload-Offset");
    Upload u = uploads.writer().append(id, patchOf(req, clientOffset), body);
    if (u.isComplete() && u.offset() > clientOffset) {
      audit.record(RequestPrincipal.of(req), AuditLog.Action.UPLOAD_FINISHED, id, req.getRemoteAddr(),
          Map.of("bytes", u.offset()));
    }
    resp.setHeader("Upload-Offset", Long.toString(u.offset()));
    expires(resp, u);
    resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
  }

  private static Patch patchOf(HttpServletRequest req, long offset) {
    String checksum = req.getHeader("Upload-Checksum");
    String trailer = req.getHeader("Trailer");
    boolean trailerExpected =
        trailer != null && trailer.toLowerCase(Locale.ROOT).contains("upload-checksum");
    long contentLength = req.getContentLengthLong();
    return new Patch(
        offset,
        optionalNumber(req, "Upload-Length"),
        contentLength >= 0 ? contentLength : null,
        checksum == null ? null : Checksum.parse(checksum),
        trailerExpected,
        () -> trailerChecksum(req));
  }

  /** The checksum-trailer: Jetty decodes the chunked body and hands over its trailer fields. */
  private static String trailerChecksum(HttpServletRequest req) {
    if (!req.isTrailerFieldsReady()) {
      return null;
    }
    Map<String, String> trailers = req.getTrailerFields();
    for (Map.Entry<String, String> e : trailers.entrySet()) {
      if (e.getKey().equalsIgnoreCase("Upload-Checksum")) {
        return e.getValue();
      }
    }
    return null;
  }

  private static void abortConnection(HttpServletRequest req) {
    ServletContextRequest scr = ServletContextRequest.getServletContextRequest(req);
    if (scr != null) {
      scr.getConnectionMetaData().getConnection().getEndPoint().close();
    }
  }

  // ---- POST

  void post(HttpServletRequest req, TusServletResponse resp, String baseUrl, Principal principal)
      throws IOException {
    String owner = principal.subject();
    String concat = req.getHeader("Upload-Concat");
    UploadKind kind = UploadKind.REGULAR;
    List<UUID> parts = null;
    if (concat != null) {
      String c = concat.strip();
      if (c.equals("partial")) {
        kind = UploadKind.PARTIAL;
      } else if (c.startsWith("final;")) {
        kind = UploadKind.FINAL;
        parts = parseParts(c.substring("final;".length()));
      } else {
        throw UploadException.badRequest("Upload-Concat must be 'partial' or 'final;<urls>'");
      }
    }
    Long length = optionalNumber(req, "Upload-Length");
    String defer = req.getHeader("Upload-Defer-Length");
    if (defer != null && !defer.strip().equals("1")) {
      throw UploadException.badRequest("Upload-Defer-Length must be 1");
    }
    if (kind == UploadKind.FINAL) {
      if (length != null || defer != null) {
        throw UploadException.badRequest("a final upload takes its length from its parts");
      }
    } else if ((length == null) == (defer == null)) {
      throw UploadException.badRequest(
          "send exactly one of Upload-Length and Upload-Defer-Length: 1");
    }
    String metaHeader = req.getHeader("Upload-Metadata");
    if (metaHeader != null && metaHeader.length() > maxMetadataBytes) {
      throw UploadException.badRequest(
          "Upload-Metadata is longer than " + maxMetadataBytes + " bytes");
    }
    Map<String, String> metadata;
    try {
      metadata = Metadata.parse(metaHeader);
    } catch (IllegalArgumentException e) {
      throw UploadException.badRequest(e.getMessage());
    }
    long bodyLength = req.getContentLengthLong();
    boolean chunked = "chunked".equalsIgnoreCase(req.getHeader("Transfer-Encoding"));
    boolean hasBody = bodyLength > 0 || chunked;
    if (hasBody) {
      String ct = req.getContentType();
      if (ct == null || !mediaType(ct).equals(OFFSET_OCTET_STREAM)) {
        throw new UploadException(
            Problem.UNSUPPORTED_MEDIA_TYPE,
            "a creation request with a body requires Content-Type: " + OFFSET_OCTET_STREAM);
      }
      if (kind == UploadKind.FINAL) {
        throw UploadException.badRequest("a final upload cannot carry a body");
      }
    }
    if (req.getHeader("Upload-Checksum") != null) {
      Checksum.parse(req.getHeader("Upload-Checksum"));
    }
    if (parts != null) {
      for (UUID p : parts) {
        Upload part;
        try {
          part = uploads.lifecycle().current(p);
        } catch (UploadException e) {
          throw UploadException.badRequest("partial upload " + p + " does not exist");
        }
        if (!principal.canSee(part.owner())) {
          throw UploadException.badRequest("partial upload " + p + " does not exist");
        }
        if (part.kind() != UploadKind.PARTIAL) {
          throw UploadException.badRequest("upload " + p + " is not a partial upload");
        }
      }
    }
    NewUpload n =
        new NewUpload(
            UploadIds.newId(),
            owner,
            length,
            kind,
            parts,
            metadata,
            metaHeader,
            req.getRemoteAddr(),
            uploads.writer().newExpiry());
    // creation-with-upload: no lock needed, nobody knows the id before this response
    Upload u =
        hasBody
            ? uploads.writer().createWithBody(n, patchOf(req, 0), new BodyStream(req.getInputStream(), minBodyBytesPerSecond))
            : uploads.writer().create(n);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("length", u.length());
    detail.put("filename", u.filename());
    if (u.isComplete() && u.kind() != UploadKind.FINAL) {
      audit.record(principal,
          List.of(AuditLog.Action.UPLOAD_CREATED, AuditLog.Action.UPLOAD_FINISHED), u.id(),
          req.getRemoteAddr(), List.of(detail, Map.of("bytes", u.offset())));
    } else {
      audit.record(principal, AuditLog.Action.UPLOAD_CREATED, u.id(), req.getRemoteAddr(), detail);
    }
    resp.setHeader("Location", baseUrl + uploadPath + u.id());
    if (kind != UploadKind.FINAL || u.isComplete()) {
      resp.setHeader("Upload-Offset", Long.toString(u.offset()));
    }
    expires(resp, u);
    resp.setStatus(HttpServletResponse.SC_CREATED);
  }

  private List<UUID> parseParts(String urls) {
    List<UUID> ids = new ArrayList<>();
    for (String url : urls.strip().split("\\s+")) {
      if (url.isEmpty()) {
        continue;
      }
      int slash = url.lastIndexOf('/');
      String tail = slash < 0 ? url : url.substring(slash + 1);
      if (!url.contains(uploadPath)) {
        throw UploadException.badRequest("Upload-Concat part '" + url + "' is not an upload URL");
      }
      UUID id =
          UploadIds.parse(tail)
              .orElseThrow(
                  () -> UploadException.badRequest("Upload-Concat part '" + url + "' is invalid"));
      // Each part once: a client splits a file into distinct pieces; repeating one would only
      // multiply stored bytes (see docs/decisions.md).
      if (ids.contains(id)) {
        throw UploadException.badRequest(
            "Upload-Concat lists the partial upload " + id + " more than once");
      }
      ids.add(id);
      if (ids.size() > maxConcatParts) {
        throw UploadException.badRequest(
            "Upload-Concat final lists more than " + maxConcatParts + " parts (FORGE_MAX_CONCAT_PARTS)");
      }
    }
    if (ids.isEmpty()) {
      throw UploadException.badRequest("Upload-Concat final lists no parts");
    }
    return ids;
  }

  // ---- DELETE, GET

  void delete(UUID id, HttpServletRequest req, TusServletResponse resp) throws IOException {
    uploads.lifecycle().current(id);
    uploads.lifecycle().terminate(id);
    audit.record(RequestPrincipal.of(req), AuditLog.Action.UPLOAD_DELETED, id, req.getRemoteAddr(),
        null);
    resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
  }

  void get(UUID id, HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Upload u = uploads.lifecycle().current(id);
    content.send(u, req, resp);
  }

  // ---- header parsing

  static String mediaType(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi))
        .strip()
        .toLowerCase(Locale.ROOT);
  }

  static long requiredNumber(HttpServletRequest req, String name) {
    Long v = optionalNumber(req, name);
    if (v == null) {
      throw UploadException.badRequest(name + " header is required");
    }
    return v;
  }

  static Long optionalNumber(HttpServletRequest req, String name) {
    String v = req.getHeader(name);
    if (v == null) {
      return null;
    }
    String s = v.strip();
    if (!DIGITS.matcher(s).matches()) {
      throw UploadException.badRequest(name + " must be a non-negative integer");
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw UploadException.badRequest(name + " is too large");
    }
  }
}
