package dev.forgeupload.http;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /api/v1/events}: Server-Sent Events with every upload's progress and state changes,
 * as published through Redis by any node. A comment line every 15 s keeps proxies from closing
 * an idle stream.
 */
public final class EventsServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private final transient EventHub hub;

  public EventsServlet(EventHub hub) {
    this.hub = hub;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
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
