package dev.forgeupload.tus;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.BodyReadException;
import dev.forgeupload.core.Checksum;
import dev.forgeupload.core.HookRejection;
import dev.forgeupload.core.NewUpload;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadHooks;
import dev.forgeupload.core.UploadIds;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadLocks;
import dev.forgeupload.core.Uploads;
import dev.forgeupload.http.ContentResponder;
import dev.forgeupload.http.ErrorWriter;
import dev.forgeupload.http.RequestPrincipal;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import me.desair.tus.server.HttpMethod;
import me.desair.tus.server.upload.UploadId;
import me.desair.tus.server.upload.UploadIdFactory;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tus 1.0.0 endpoint, one method per request type. {@link #process} reads top-down: parse the
 * request once ({@link TusRequest}), authorize, take the lock (a value, for PATCH and DELETE),
 * handle, and write any refusal in one place. A PATCH is five hops from the servlet to the staging
 * file: {@code TusServlet} -> {@code process} -> {@code patch} -> {@code UploadWriter.append} ->
 * {@code ChunkWriter.write}.
 *
 * <p>tus-java-server still resolves the method ({@link HttpMethod}, which honours {@code
 * X-HTTP-Method-Override}) and reads upload ids from URLs ({@link UploadIdFactory}); its handlers,
 * validators, storage and locking SPI are not used (see docs/decisions.md).
 */
public final class TusHandler {
  public static final String PATH = "/files/";
  private static final Logger log = LoggerFactory.getLogger(TusHandler.class);
  private static final Set<HttpMethod> METHODS =
      EnumSet.of(HttpMethod.OPTIONS, HttpMethod.HEAD, HttpMethod.PATCH, HttpMethod.POST,
          HttpMethod.DELETE, HttpMethod.GET);
  /** The extensions this endpoint implements, as OPTIONS advertises them. */
  static final List<String> EXTENSIONS =
      List.of("creation", "creation-with-upload", "creation-defer-length", "checksum",
          "checksum-trailer", "termination", "expiration", "concatenation",
          "concatenation-unfinished");

  /** Settings of the endpoint. */
  public record Settings(
      int maxMetadataBytes, int maxConcatParts, Duration lockWait, Duration stallTimeout,
      long minBodyBytesPerSecond, String publicUrl) {}

  private final Uploads uploads;
  private final UploadLocks locks;
  private final ContentResponder content;
  private final AuditLog audit;
  private final ErrorWriter errors;
  private final UploadHooks hooks;
  private final Settings settings;
  private final TusRequest.Limits limits;
  private final UploadIdFactory ids = new StrictUuidIdFactory();

  public TusHandler(
      Uploads uploads, UploadLocks locks, ContentResponder content, AuditLog audit,
      ErrorWriter errors, UploadHooks hooks, Settings settings) {
    this.uploads = uploads;
    this.locks = locks;
    this.content = content;
    this.audit = audit;
    this.errors = errors;
    this.hooks = hooks;
    this.settings = settings;
    this.limits =
        new TusRequest.Limits(PATH, settings.maxMetadataBytes(), settings.maxConcatParts());
    ids.setUploadUri(PATH.substring(0, PATH.length() - 1));
  }

  public void process(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    resp.setHeader("Tus-Resumable", TusRequest.TUS_VERSION);
    HttpMethod method = HttpMethod.getMethodIfSupported(req, METHODS);
    try {
      TusRequest r = TusRequest.parse(method, idOf(req), req, limits);
      switch (r.method()) {
        case OPTIONS -> options(resp);
        case POST -> post(r, method, req, resp);
        case HEAD -> head(authorized(r, req), resp);
        case GET -> content.send(uploads.lifecycle().current(authorized(r, req)), req, resp);
        case PATCH -> patch(r, method, authorized(r, req), req, resp);
        case DELETE -> delete(method, authorized(r, req), req, resp);
        default -> {} // TusRequest.parse refuses every other method with 405
      }
    } catch (UploadException e) {
      errors.tus(req, resp, e);
    } catch (HookRejection e) {
      HookReplies.headers(resp, e.reply());
      errors.tusHook(req, resp, e.reply().status(), e.reply().body(),
          HookReplies.contentType(e.reply()));
    } catch (BodyReadException e) {
      // The body could not be read: the client went away (nobody to answer), sent a malformed
      // body, or stalled past the read timeout. Answer if the connection still can.
      // the cause as text: a Throwable as the last argument would be taken for the exception
      // (a stack trace for every client that went away, and error={} left unfilled)
      log.info("BodyUnreadable method={} uri={} error={}", method, req.getRequestURI(),
          String.valueOf(e.getCause()));
      errors.tus(req, resp, Problem.BODY_UNREADABLE, "the request body could not be read");
    }
  }

  private UUID idOf(HttpServletRequest req) {
    UploadId id = ids.readUploadId(req.getRequestURI());
    return id == null ? null : (UUID) id.getOriginalObject();
  }

  /**
   * The upload the URL names, if this principal may touch it: checked before any lock is taken
   * or body read; anyone but its owner gets the same 404 as for no upload at all. Admins see
   * every upload, so theirs costs no read here (the handler reads the row anyway).
   */
  private UUID authorized(TusRequest r, HttpServletRequest req) {
    if (r.id() == null) {
      throw UploadException.notFound();
    }
    Principal principal = RequestPrincipal.of(req);
    if (!principal.admin()) {
      Upload u = uploads.lifecycle().find(r.id()).orElseThrow(UploadException::notFound);
      if (!principal.canSee(u.owner())) {
        throw UploadException.notFound();
      }
    }
    return r.id();
  }

  // ---- OPTIONS, HEAD

  private void options(HttpServletResponse resp) {
    resp.setHeader("Tus-Version", TusRequest.TUS_VERSION);
    resp.setHeader("Tus-Max-Size", Long.toString(uploads.writer().maxUploadBytes()));
    resp.setHeader("Tus-Extension", String.join(",", EXTENSIONS));
    resp.setHeader("Tus-Checksum-Algorithm", String.join(",", Checksum.SUPPORTED));
    resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
  }

  private void head(UUID id, HttpServletResponse resp) {
    Upload u = uploads.lifecycle().current(id);
    if (!u.isComplete()) {
      locks.requestRelease(u.id()); // a resuming client: let a stalled earlier request go
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

  private static String concatHeader(Upload u) {
    if (u.kind() == UploadKind.PARTIAL) {
      return "partial";
    }
    return "final;" + u.concatParts().stream().map(p -> PATH + p).collect(Collectors.joining(" "));
  }

  private static void expires(HttpServletResponse resp, Upload u) {
    if (!u.isComplete() && u.expiresAt() != null) {
      resp.setDateHeader("Upload-Expires", u.expiresAt().toInstant().toEpochMilli());
    }
  }

  // ---- PATCH, DELETE: under the upload's lock

  private UploadLocks.Lock lock(UUID id) {
    return locks.acquire(id, settings.lockWait()).orElseThrow(UploadException::locked);
  }

  private void patch(TusRequest r, HttpMethod method, UUID id, HttpServletRequest req,
      HttpServletResponse resp) throws IOException {
    try (UploadLocks.Lock lock = lock(id)) {
      UploadHooks.Request hook = hookRequest(method, id, req);
      BodyStream body = new BodyStream(req.getInputStream(), settings.minBodyBytesPerSecond());
      lock.onReleaseRequested(() -> releaseIfStalled(id, body, req));
      Upload after = append(id, r, hook == null ? body : hooks.watch(id, body));
      UploadHooks.Reply reply = UploadHooks.Reply.NONE;
      if (after.isComplete() && after.offset() > r.patch().clientOffset()) {
        audit.record(RequestPrincipal.of(req), AuditLog.Action.UPLOAD_FINISHED, id,
            req.getRemoteAddr(), Map.of("bytes", after.offset()));
        if (hook != null) {
          reply = hooks.beforeFinish(hook, after);
        }
      }
      resp.setHeader("Upload-Offset", Long.toString(after.offset()));
      expires(resp, after);
      HookReplies.send(resp, reply, HttpServletResponse.SC_NO_CONTENT);
    }
  }

  /**
   * The PATCH body into the upload. A post-receive hook that stopped it (StopUpload) ends it as
   * tusd does: what arrived is kept until the upload is terminated, the client gets the hook's
   * refusal.
   */
  private Upload append(UUID id, TusRequest r, InputStream body) throws IOException {
    try {
      return uploads.writer().append(id, r.patch(), body);
    } catch (BodyReadException e) {
      if (e.getCause() instanceof UploadHooks.Stopped stopped) {
        uploads.lifecycle().terminate(id);
        throw new HookRejection(stopped.reply());
      }
      throw e;
    } finally {
      if (!(body instanceof BodyStream)) {
        body.close(); // the watch only: the request's stream stays open
      }
    }
  }

  /**
   * With hooks on: the request as hooks see it, recorded for the notifications the change to
   * upload {@code id} (null before it exists) causes. Null with hooks off.
   */
  private UploadHooks.Request hookRequest(HttpMethod method, UUID id, HttpServletRequest req) {
    if (!hooks.enabled()) {
      return null;
    }
    UploadHooks.Request hook = HookReplies.request(method, req);
    if (id != null) {
      hooks.changing(hook, id);
    }
    return hook;
  }

  /** A waiter asked for the lock: let go if this request's client has stalled. */
  private void releaseIfStalled(UUID id, BodyStream body, HttpServletRequest req) {
    if (body.idleNanos() >= settings.stallTimeout().toNanos()) {
      log.info("StalledRequestReleased id={} idle_ms={}", id, body.idleNanos() / 1_000_000);
      ServletContextRequest scr = ServletContextRequest.getServletContextRequest(req);
      if (scr != null) {
        scr.getConnectionMetaData().getConnection().getEndPoint().close();
      }
    }
  }

  private void delete(HttpMethod method, UUID id, HttpServletRequest req,
      HttpServletResponse resp) throws IOException {
    try (UploadLocks.Lock lock = lock(id)) {
      Upload u = uploads.lifecycle().current(id);
      UploadHooks.Request hook = hookRequest(method, null, req);
      UploadHooks.Reply reply = UploadHooks.Reply.NONE;
      if (hook != null) {
        reply = hooks.beforeTerminate(hook, u);
        hooks.changing(hook, id);
      }
      uploads.lifecycle().terminate(id);
      audit.record(RequestPrincipal.of(req), AuditLog.Action.UPLOAD_DELETED, id,
          req.getRemoteAddr(), null);
      HookReplies.send(resp, reply, HttpServletResponse.SC_NO_CONTENT);
    }
  }

  // ---- POST

  private void post(TusRequest r, HttpMethod method, HttpServletRequest req,
      HttpServletResponse resp) throws IOException {
    Principal principal = RequestPrincipal.of(req);
    if (r.parts() != null) {
      for (UUID p : r.parts()) {
        checkPart(p, principal);
      }
    }
    NewUpload n =
        new NewUpload(UploadIds.newId(), principal.subject(), r.length(), r.kind(), r.parts(),
            r.metadata(), r.metadataHeader(), req.getRemoteAddr(),
            uploads.writer().newExpiry());
    UploadHooks.Request hook = hookRequest(method, null, req);
    UploadHooks.Reply reply = UploadHooks.Reply.NONE;
    if (hook != null) {
      UploadHooks.Creation c = hooks.beforeCreate(hook, n); // may refuse, or change id, metadata
      n = c.upload();
      reply = c.reply();
      hooks.changing(hook, n.id());
    }
    // creation-with-upload: no lock needed, nobody knows the id before this response
    Upload u =
        r.hasBody()
            ? uploads.writer().createWithBody(n, r.patch(),
                new BodyStream(req.getInputStream(), settings.minBodyBytesPerSecond()))
            : uploads.writer().create(n);
    // upload.created (and upload.finished) were audited by the insert itself: same commit
    if (hook != null && u.isComplete()) {
      reply = reply.then(hooks.beforeFinish(hook, u));
    }
    // FORGE_PUBLIC_URL: the same Location whichever node answered
    String base = settings.publicUrl() != null ? settings.publicUrl() : baseUrl(req);
    resp.setHeader("Location", base + PATH + u.id());
    if (r.kind() != UploadKind.FINAL || u.isComplete()) {
      resp.setHeader("Upload-Offset", Long.toString(u.offset()));
    }
    expires(resp, u);
    HookReplies.send(resp, reply, HttpServletResponse.SC_CREATED);
  }

  /** A part of a final upload: an existing partial upload this principal may use. */
  private void checkPart(UUID p, Principal principal) {
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
