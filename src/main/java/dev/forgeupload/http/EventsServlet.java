package dev.forgeupload.http;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.UploadRepository;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /api/v1/events}: Server-Sent Events with every upload's progress and state changes,
 * as published through Redis by any node. A comment line every 15 s keeps proxies from closing
 * an idle stream.
 */
public final class EventsServlet extends ReadOnlyServlet {
  private static final long serialVersionUID = 1L;
  private static final Pattern EVENT_ID = Pattern.compile("\"id\":\"([0-9a-f-]{36})\"");
  private static final int OWNER_CACHE_SIZE = 10_000;

  private final transient EventHub hub;
  private final transient UploadRepository repo;
  /** Upload id to owner ("" for none); an upload's owner never changes. */
  private final transient Map<UUID, String> owners =
      Collections.synchronizedMap(
          new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<UUID, String> eldest) {
              return size() > OWNER_CACHE_SIZE;
            }
          });

  public EventsServlet(EventHub hub, UploadRepository repo) {
    super(java.util.Set.of("GET")); // HEAD would stream into a body nobody reads, forever
    this.hub = hub;
    this.repo = repo;
  }

  /** Admins see every event; anyone else only those of their own uploads. */
  private boolean visible(Principal p, String json) {
    if (p.admin()) {
      return true;
    }
    Matcher m = EVENT_ID.matcher(json);
    if (!m.find()) {
      return false;
    }
    UUID id = UUID.fromString(m.group(1));
    String owner = owners.get(id);
    if (owner == null) {
      owner = repo.find(id).map(u -> u.owner() == null ? "" : u.owner()).orElse(null);
      if (owner == null) {
        return false;
      }
      owners.put(id, owner);
    }
    return owner.equals(p.subject());
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Principal principal = Principal.of(req);
    resp.setStatus(200);
    resp.setContentType("text/event-stream");
    resp.setCharacterEncoding("utf-8");
    resp.setHeader("Cache-Control", "no-store");
    resp.setHeader("X-Accel-Buffering", "no");
    OutputStream out = resp.getOutputStream();
    out.write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
    resp.flushBuffer();
    BlockingQueue<String> queue = hub.subscribe();
    try {
      while (true) {
        String json = queue.poll(15, TimeUnit.SECONDS);
        if (EventHub.END.equals(json)) {
          return;
        }
        if (json != null && !visible(principal, json)) {
          continue;
        }
        String frame = json == null ? ": keep-alive\n\n" : "data: " + json + "\n\n";
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        resp.flushBuffer();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the browser went away
    } finally {
      hub.unsubscribe(queue);
    }
  }
}
