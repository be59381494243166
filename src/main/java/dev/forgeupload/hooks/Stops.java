package dev.forgeupload.hooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeupload.core.BodyReadException;
import dev.forgeupload.core.HookOutbox;
import dev.forgeupload.core.UploadHooks;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * post-receive's {@code StopUpload}: the PATCH bodies this node is reading, and the stop requests
 * for them. A stop for a body read here trips it at once; any other goes to the database, where
 * the node reading that upload's body finds it within {@link #POLL_MILLIS}. A tripped body fails
 * its next read with {@link UploadHooks.Stopped}; the protocol layer then terminates the upload.
 */
final class Stops implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Stops.class);
  static final long POLL_MILLIS = 500;

  private final HookOutbox outbox;
  private final Map<UUID, Watched> watched = new ConcurrentHashMap<>();
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hook-stops");
        t.setDaemon(true);
        return t;
      });

  Stops(HookOutbox outbox) {
    this.outbox = outbox;
    poller.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
  }

  InputStream watch(UUID id, InputStream body) {
    Watched w = new Watched(id, body);
    watched.put(id, w);
    return w;
  }

  /** A post-receive hook answered StopUpload for {@code id}. */
  void stop(UUID id, UploadHooks.Reply reply) {
    Watched w = watched.get(id);
    if (w != null) {
      w.trip(reply);
      return;
    }
    outbox.requestStop(id, toJson(reply));
  }

  private void poll() {
    if (watched.isEmpty()) {
      return;
    }
    try {
      outbox.takeStops(watched.keySet()).forEach((id, json) -> {
        Watched w = watched.get(id);
        if (w != null) {
          w.trip(fromJson(json));
        }
      });
    } catch (RuntimeException e) {
      log.warn("HookStopPollFailed error={}", e.toString());
    }
  }

  static String toJson(UploadHooks.Reply r) {
    ObjectNode n = HookJson.JSON.createObjectNode();
    n.put("StatusCode", r.status());
    if (r.body() != null) {
      n.put("Body", r.body());
    }
    ObjectNode h = n.putObject("Header");
    r.headers().forEach(h::put);
    return n.toString();
  }

  static UploadHooks.Reply fromJson(String json) {
    try {
      JsonNode n = HookJson.JSON.readTree(json);
      Map<String, String> headers = new LinkedHashMap<>();
      n.path("Header").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
      return new UploadHooks.Reply(n.path("StatusCode").asInt(),
          n.hasNonNull("Body") ? n.get("Body").asText() : null, Map.copyOf(headers));
    } catch (JsonProcessingException e) {
      return UploadHooks.Reply.NONE;
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }

  private final class Watched extends FilterInputStream {
    private final UUID id;
    private volatile UploadHooks.Reply stopped;

    Watched(UUID id, InputStream body) {
      super(body);
      this.id = id;
    }

    void trip(UploadHooks.Reply reply) {
      log.info("HookStopUpload id={}", id);
      stopped = reply;
    }

    private void check() throws BodyReadException {
      UploadHooks.Reply r = stopped;
      if (r != null) {
        throw new BodyReadException(new UploadHooks.Stopped(r));
      }
    }

    @Override
    public int read() throws IOException {
      check();
      return super.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      check();
      return super.read(b, off, len);
    }

    /** Ends the watch; the body stays open (the servlet container owns it). */
    @Override
    public void close() {
      watched.remove(id, this);
    }
  }
}
