package dev.forgeupload.http;

import dev.forgeupload.core.Problem;
import dev.forgeupload.auth.Principal;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;

/**
 * {@code GET /api/v1/events}: Server-Sent Events with every upload's progress and state changes,
 * as published through Redis by any node. The response is asynchronous: the request thread
 * returns at once and {@link EventHub} writes the stream (a comment every 15 s keeps proxies from
 * closing an idle one). Capped per owner and per client address on this node ({@code 429
 * too_many_streams}); a stream ends when its JWT expires or its API key is revoked.
 */
public final class EventsServlet extends ReadOnlyServlet {
  private static final long serialVersionUID = 1L;

  private final transient EventHub hub;
  private final transient ErrorWriter errors;

  public EventsServlet(EventHub hub, ErrorWriter errors) {
    super(java.util.Set.of("GET")); // HEAD would stream into a body nobody reads, forever
    this.hub = hub;
    this.errors = errors;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Principal principal = RequestPrincipal.of(req);
    if (principal.expired(Instant.now())) {
      // accepted within the JWT clock skew, but a stream lives only until exp: it would end at
      // once and EventSource would reconnect in a loop
      resp.setHeader("WWW-Authenticate", "Bearer realm=\"forgeupload\", error=\"invalid_token\"");
      errors.api(req, resp, Problem.UNAUTHORIZED, "the bearer token has expired");
      return;
    }
    if (!hub.isOpen()) {
      errors.api(req, resp, Problem.SHUTTING_DOWN, "the server is shutting down");
      return;
    }
    String owner = principal.subject();
    String address = req.getRemoteAddr();
    StreamLimits.Refusal refusal = hub.admit(owner, address);
    if (refusal != null) {
      refuse(req, resp, refusal, owner, address);
      return;
    }
    EventStream stream;
    ServletOutputStream out;
    try {
      resp.setStatus(200);
      resp.setContentType("text/event-stream");
      resp.setCharacterEncoding("utf-8");
      resp.setHeader("Cache-Control", "no-store");
      resp.setHeader("X-Accel-Buffering", "no");
      // the connection serves nothing else while the stream lasts; when the server ends the
      // stream (shutdown, expired or revoked credential) the connection closes with it
      resp.setHeader("Connection", "close");
      AsyncContext async = req.startAsync();
      async.setTimeout(0); // the stream ends by the hub: shutdown, credential, or a failed write
      out = resp.getOutputStream();
      stream = new EventStream(hub, principal, address, async, out, hub.writer());
      async.addListener(stream);
    } catch (IOException | RuntimeException e) {
      hub.unadmit(owner, address);
      throw e;
    }
    try {
      out.setWriteListener(stream); // Jetty calls onWritePossible: the head and "retry:" go out
    } catch (RuntimeException e) {
      stream.end("failed");
      throw e;
    }
    hub.add(stream);
  }

  private void refuse(HttpServletRequest req, HttpServletResponse resp,
      StreamLimits.Refusal refusal, String owner, String address)
      throws IOException {
    long retry = hub.settings().retryAfter().toSeconds();
    String reason =
        refusal == StreamLimits.Refusal.OWNER
            ? "too many event streams for this user: " + hub.limits().perOwner()
                + " are open on this server; close one or retry after " + retry + " s"
            : "too many event streams from this address: " + hub.limits().perAddress()
                + " are open on this server; close one or retry after " + retry + " s";
    hub.refused(refusal, owner, address);
    resp.setHeader("Retry-After", Long.toString(retry));
    // a refused stream's connection goes too: it would count against the address's connections
    resp.setHeader("Connection", "close");
    errors.api(req, resp, Problem.TOO_MANY_STREAMS, reason);
  }
}
