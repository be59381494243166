package dev.forgeupload.tus;

import dev.forgeupload.core.Checksum;
import dev.forgeupload.core.Metadata;
import dev.forgeupload.core.Patch;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadIds;
import dev.forgeupload.core.UploadKind;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import me.desair.tus.server.HttpMethod;

/**
 * A tus request, parsed once, before any lock is taken or row read: every header syntax error is
 * a 4xx here. What the handlers need is in the fields; nothing re-reads a header.
 *
 * @param method the tus method (after {@code X-HTTP-Method-Override})
 * @param id the upload the URL names; null for the creation URL
 * @param kind regular, partial or final (POST)
 * @param parts the parts of a final upload (POST), else null
 * @param length {@code Upload-Length} (POST, or a late one on PATCH), or null
 * @param metadataHeader the raw {@code Upload-Metadata} (POST), or null
 * @param metadata its parsed pairs (POST)
 * @param patch what a body-carrying request says besides its body (PATCH, POST with body)
 * @param hasBody a POST with a body (creation-with-upload)
 */
record TusRequest(
    HttpMethod method,
    UUID id,
    UploadKind kind,
    List<UUID> parts,
    Long length,
    String metadataHeader,
    Map<String, String> metadata,
    Patch patch,
    boolean hasBody) {

  static final String TUS_VERSION = "1.0.0";
  static final String OFFSET_OCTET_STREAM = "application/offset+octet-stream";
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,19}");

  /** Limits the parser enforces. */
  record Limits(String uploadPath, int maxMetadataBytes, int maxConcatParts) {}

  static TusRequest parse(HttpMethod method, UUID id, HttpServletRequest req, Limits limits) {
    if (method == null) {
      throw new UploadException(
          Problem.METHOD_NOT_ALLOWED, "method " + req.getMethod() + " is not supported here");
    }
    if (method != HttpMethod.OPTIONS && method != HttpMethod.GET) {
      String v = req.getHeader("Tus-Resumable");
      if (!TUS_VERSION.equals(v == null ? null : v.strip())) {
        throw new UploadException(Problem.UNSUPPORTED_VERSION, "Tus-Resumable must be " + TUS_VERSION);
      }
    }
    return switch (method) {
      case POST -> creation(id, req, limits);
      case PATCH -> patch(id, req);
      default -> new TusRequest(method, id, null, null, null, null, Map.of(), null, false);
    };
  }

  private static TusRequest patch(UUID id, HttpServletRequest req) {
    String ct = req.getContentType();
    if (ct == null || !mediaType(ct).equals(OFFSET_OCTET_STREAM)) {
      throw new UploadException(
          Problem.UNSUPPORTED_MEDIA_TYPE, "PATCH requires Content-Type: " + OFFSET_OCTET_STREAM);
    }
    long offset = requiredNumber(req, "Upload-Offset");
    Long length = optionalNumber(req, "Upload-Length");
    Patch p = patchOf(req, offset, length);
    return new TusRequest(HttpMethod.PATCH, id, null, null, length, null, Map.of(), p, true);
  }

  private static TusRequest creation(UUID id, HttpServletRequest req, Limits limits) {
    if (id != null || !isCreationUrl(req.getRequestURI(), limits.uploadPath())) {
      throw new UploadException(Problem.METHOD_NOT_ALLOWED, "POST goes to " + limits.uploadPath());
    }
    String concat = req.getHeader("Upload-Concat");
    UploadKind kind = UploadKind.REGULAR;
    List<UUID> parts = null;
    if (concat != null) {
      String c = concat.strip();
      if (c.equals("partial")) {
        kind = UploadKind.PARTIAL;
      } else if (c.startsWith("final;")) {
        kind = UploadKind.FINAL;
        parts = parts(c.substring("final;".length()), limits);
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
    if (metaHeader != null && metaHeader.length() > limits.maxMetadataBytes()) {
      throw UploadException.badRequest(
          "Upload-Metadata is longer than " + limits.maxMetadataBytes() + " bytes");
    }
    Map<String, String> metadata;
    try {
      metadata = Metadata.parse(metaHeader);
    } catch (IllegalArgumentException e) {
      throw UploadException.badRequest(e.getMessage());
    }
    boolean chunked = "chunked".equalsIgnoreCase(req.getHeader("Transfer-Encoding"));
    boolean hasBody = req.getContentLengthLong() > 0 || chunked;
    if (hasBody) {
      String ct = req.getContentType();
      if (ct == null || !mediaType(ct).equals(OFFSET_OCTET_STREAM)) {
        throw new UploadException(Problem.UNSUPPORTED_MEDIA_TYPE,
            "a creation request with a body requires Content-Type: " + OFFSET_OCTET_STREAM);
      }
      if (kind == UploadKind.FINAL) {
        throw UploadException.badRequest("a final upload cannot carry a body");
      }
    }
    Patch p = patchOf(req, 0, null);
    return new TusRequest(
        HttpMethod.POST, null, kind, parts, length, metaHeader, metadata, p, hasBody);
  }

  private static boolean isCreationUrl(String uri, String uploadPath) {
    return uri.equals(uploadPath) || uri.equals(uploadPath.substring(0, uploadPath.length() - 1));
  }

  /** The parts of {@code Upload-Concat: final;...}: upload URLs, each once, at most the limit. */
  private static List<UUID> parts(String urls, Limits limits) {
    List<UUID> ids = new ArrayList<>();
    for (String url : urls.strip().split("\\s+")) {
      if (url.isEmpty()) {
        continue;
      }
      int slash = url.lastIndexOf('/');
      String tail = slash < 0 ? url : url.substring(slash + 1);
      if (!url.contains(limits.uploadPath())) {
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
      if (ids.size() > limits.maxConcatParts()) {
        throw UploadException.badRequest("Upload-Concat final lists more than "
            + limits.maxConcatParts() + " parts (FORGE_MAX_CONCAT_PARTS)");
      }
    }
    if (ids.isEmpty()) {
      throw UploadException.badRequest("Upload-Concat final lists no parts");
    }
    return ids;
  }

  private static Patch patchOf(HttpServletRequest req, long offset, Long declaredLength) {
    String checksum = req.getHeader("Upload-Checksum");
    String trailer = req.getHeader("Trailer");
    boolean trailerExpected =
        trailer != null && trailer.toLowerCase(Locale.ROOT).contains("upload-checksum");
    long contentLength = req.getContentLengthLong();
    Supplier<String> trailerChecksum = () -> trailerChecksum(req);
    return new Patch(
        offset,
        declaredLength,
        contentLength >= 0 ? contentLength : null,
        checksum == null ? null : Checksum.parse(checksum),
        trailerExpected,
        trailerChecksum);
  }

  /** The checksum-trailer: Jetty decodes the chunked body and hands over its trailer fields. */
  private static String trailerChecksum(HttpServletRequest req) {
    if (!req.isTrailerFieldsReady()) {
      return null;
    }
    for (Map.Entry<String, String> e : req.getTrailerFields().entrySet()) {
      if (e.getKey().equalsIgnoreCase("Upload-Checksum")) {
        return e.getValue();
      }
    }
    return null;
  }

  static String mediaType(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi))
        .strip()
        .toLowerCase(Locale.ROOT);
  }

  private static long requiredNumber(HttpServletRequest req, String name) {
    Long v = optionalNumber(req, name);
    if (v == null) {
      throw UploadException.badRequest(name + " header is required");
    }
    return v;
  }

  private static Long optionalNumber(HttpServletRequest req, String name) {
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
