package dev.forgeupload.tus;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.BodyReadException;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadLocks;
import dev.forgeupload.core.Uploads;
import dev.forgeupload.http.ContentResponder;
import dev.forgeupload.http.RequestPrincipal;
import dev.forgeupload.http.ErrorWriter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import me.desair.tus.server.HttpMethod;
import me.desair.tus.server.TusFileUploadService;
import me.desair.tus.server.exception.TusException;
import me.desair.tus.server.upload.UploadLock;
import me.desair.tus.server.util.TusServletRequest;
import me.desair.tus.server.util.TusServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * tus-java-server's engine with ForgeUpload's storage and locking SPI and its own handlers where
 * the library's break the spec: a lock held elsewhere is 423 (not an empty 200), errors carry the
 * spec's status codes, PATCH never writes past Upload-Length, header syntax is checked before any
 * lock is taken.
 */
public final class ForgeTusService extends TusFileUploadService {
  public static final String PATH = "/files/";
  private static final Logger log = LoggerFactory.getLogger(ForgeTusService.class);
  private static final Set<HttpMethod> LOCKING = EnumSet.of(HttpMethod.PATCH, HttpMethod.DELETE);

  private final TusStorageAdapter storage;
  private final TusLockingAdapter locking;
  private final TusProtocol protocol;
  private final Uploads uploads;
  private final List<String> advertised = new ArrayList<>();
  private final ErrorWriter errors;

  public ForgeTusService(
      Uploads uploads,
      UploadLocks locks,
      ContentResponder content,
      AuditLog audit,
      int maxMetadataBytes,
      int maxConcatParts,
      Duration lockWait,
      Duration stallTimeout,
      long minBodyBytesPerSecond,
      ErrorWriter errors) {
    super();
    this.errors = errors;
    this.storage = new TusStorageAdapter(uploads);
    this.locking = new TusLockingAdapter(locks, lockWait);
    this.protocol =
        new TusProtocol(
            uploads, locks, content, audit, PATH, maxMetadataBytes, maxConcatParts, stallTimeout,
            minBodyBytesPerSecond);
    this.uploads = uploads;
    withUploadUri(PATH.substring(0, PATH.length() - 1));
    withUploadIdFactory(new StrictUuidIdFactory());
    withUploadStorageService(storage);
    withUploadLockingService(locking);
    add(
        new Extension(
            "core",
            List.of(),
            List.of(HttpMethod.OPTIONS, HttpMethod.HEAD, HttpMethod.PATCH),
            this::core));
    add(
        new Extension(
            "creation",
            List.of("creation", "creation-with-upload", "creation-defer-length"),
            List.of(HttpMethod.POST),
            (m, req, resp) -> protocol.post(req, resp, baseUrl(req), RequestPrincipal.of(req))));
    add(new Extension("checksum", List.of("checksum", "checksum-trailer"), List.of(), null));
    add(
        new Extension(
            "termination",
            List.of("termination"),
            List.of(HttpMethod.DELETE),
            (m, req, resp) -> protocol.delete(idOf(req), req, resp)));
    add(new Extension("expiration", List.of("expiration"), List.of(), null));
    add(
        new Extension(
            "concatenation",
            List.of("concatenation", "concatenation-unfinished"),
            List.of(),
            null));
    add(
        new Extension(
            "download",
            List.of(),
            List.of(HttpMethod.GET),
            (m, req, resp) -> protocol.get(idOf(req), req, resp)));
  }

  private void add(Extension e) {
    addTusExtension(e);
    advertised.addAll(e.advertised());
  }

  @Override
  protected void initFeatures() {
    // ForgeUpload's extensions are added by the constructor, after its fields exist.
  }

  private void core(HttpMethod method, TusServletRequest req, TusServletResponse resp)
      throws IOException {
    switch (method) {
      case OPTIONS -> protocol.options(resp, advertised);
      case HEAD -> protocol.head(idOf(req), resp);
      case PATCH -> protocol.patch(idOf(req), req, resp);
      default -> {}
    }
  }

  private UUID idOf(HttpServletRequest req) {
    UUID id = storage.idOf(req.getRequestURI());
    if (id == null) {
      throw UploadException.notFound();
    }
    return id;
  }

  @Override
  public void process(HttpServletRequest servletRequest, HttpServletResponse servletResponse)
      throws IOException {
    process(servletRequest, servletResponse, null);
  }

  @Override
  public void process(
      HttpServletRequest servletRequest, HttpServletResponse servletResponse, String owner)
      throws IOException {
    TusServletRequest req = new TusServletRequest(servletRequest, false);
    TusServletResponse resp = new TusServletResponse(servletResponse);
    resp.setHeader("Tus-Resumable", TusProtocol.TUS_VERSION);
    HttpMethod method = HttpMethod.getMethodIfSupported(req, getSupportedHttpMethods());
    try {
      validate(method, req);
      authorize(method, req);
      try (UploadLock lock =
          LOCKING.contains(method) ? locking.lockUploadByUri(req.getRequestURI()) : null) {
        if (lock != null) {
          req.setAttribute(TusProtocol.LOCK_ATTRIBUTE, ((TusLockingAdapter.Held) lock).lock);
        }
        if (LOCKING.contains(method) && lock == null) {
          throw UploadException.notFound();
        }
        validateRequest(method, req, owner);
        executeProcessingByFeatures(method, req, resp, owner);
      }
    } catch (TusException e) {
      errors.tus(resp, problemOf(e), e.getMessage());
    } catch (UploadException e) {
      errors.tus(resp, e);
    } catch (BodyReadException e) {
      // The body could not be read: the client went away (nobody to answer), sent a malformed
      // body, or stalled past the read timeout. Answer if the connection still can.
      log.info("BodyUnreadable method={} uri={} error={}", method, req.getRequestURI(),
          e.getCause());
      errors.tus(resp, Problem.BODY_UNREADABLE, "the request body could not be read");
    }
  }

  /**
   * Only the owner (or an admin) gets past here for an existing upload, before any lock is taken
   * or body read; anyone else gets the same 404 as for an upload that does not exist.
   */
  private void authorize(HttpMethod method, HttpServletRequest req) {
    if (method == HttpMethod.OPTIONS || method == HttpMethod.POST) {
      return; // discovery needs no principal; creation makes the caller the owner
    }
    Principal principal = RequestPrincipal.of(req);
    if (principal.admin()) {
      return;
    }
    Upload u = uploads.lifecycle().find(idOf(req)).orElseThrow(UploadException::notFound);
    if (!principal.canSee(u.owner())) {
      throw UploadException.notFound();
    }
  }

  /**
   * The library's exceptions by their status (its validators are not used, so these are rare:
   * its request parsing).
   */
  static Problem problemOf(TusException e) {
    return switch (e.getStatus()) {
      case 404 -> Problem.NOT_FOUND;
      case 405 -> Problem.METHOD_NOT_ALLOWED;
      case 409 -> Problem.OFFSET_MISMATCH;
      case 410 -> Problem.GONE;
      case 412 -> Problem.UNSUPPORTED_VERSION;
      case 413 -> Problem.TOO_LARGE;
      case 415 -> Problem.UNSUPPORTED_MEDIA_TYPE;
      case 423 -> Problem.LOCKED;
      case 460 -> Problem.CHECKSUM_MISMATCH;
      default -> Problem.BAD_REQUEST;
    };
  }

  /** Protocol checks that need no database: method, Tus-Resumable, PATCH header syntax. */
  private void validate(HttpMethod method, HttpServletRequest req) {
    if (method == null) {
      throw new UploadException(
          Problem.METHOD_NOT_ALLOWED, "method " + req.getMethod() + " is not supported here");
    }
    if (method != HttpMethod.OPTIONS && method != HttpMethod.GET) {
      String v = req.getHeader("Tus-Resumable");
      if (!TusProtocol.TUS_VERSION.equals(v == null ? null : v.strip())) {
        throw new UploadException(
            Problem.UNSUPPORTED_VERSION, "Tus-Resumable must be " + TusProtocol.TUS_VERSION);
      }
    }
    if (method == HttpMethod.POST && !req.getRequestURI().equals(PATH)
        && !req.getRequestURI().equals(PATH.substring(0, PATH.length() - 1))) {
      throw new UploadException(Problem.METHOD_NOT_ALLOWED, "POST goes to " + PATH);
    }
    if (method == HttpMethod.PATCH) {
      TusProtocol.validatePatch(req);
    }
  }

  /** Scheme, host and port the client used; honours X-Forwarded-* when the proxy is trusted. */
  static String baseUrl(HttpServletRequest req) {
    String scheme = req.getScheme();
    String host = req.getServerName();
    int port = req.getServerPort();
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    boolean defaultPort =
        port <= 0
            || ("http".equals(scheme) && port == 80)
            || ("https".equals(scheme) && port == 443);
    return scheme + "://" + host + (defaultPort ? "" : ":" + port);
  }
}
