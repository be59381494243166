package dev.forgeupload.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.core.UploadEvents;
import dev.forgeupload.core.UploadState;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

/**
 * Progress and state changes published as JSON on the deployment's Redis channel ({@link
 * RedisNames#events()}), so every node's live view sees every upload. Offsets are throttled per
 * upload; publishing happens off the request thread and is dropped when Redis cannot keep up:
 * uploads never wait for it.
 */
public final class RedisUploadEvents implements UploadEvents, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisUploadEvents.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RedisClient redis;
  private final String channel;
  private final long intervalNanos;
  private final Map<UUID, Long> lastProgress = new ConcurrentHashMap<>();
  private final ThreadPoolExecutor publisher =
      new ThreadPoolExecutor(
          1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(10_000),
          r -> {
            Thread t = new Thread(r, "events");
            t.setDaemon(true);
            return t;
          },
          new ThreadPoolExecutor.DiscardPolicy());

  public RedisUploadEvents(RedisClient redis, RedisNames names, Duration interval) {
    this.redis = redis;
    this.channel = names.events();
    this.intervalNanos = interval.toNanos();
  }

  @Override
  public void progress(UUID id, long offset, Long length) {
    long now = System.nanoTime();
    Long last = lastProgress.get(id);
    if (last != null && now - last < intervalNanos) {
      return;
    }
    lastProgress.put(id, now);
    publish(id, UploadState.UPLOADING, offset, length, "progress");
  }

  @Override
  public void state(UUID id, UploadState state, long offset, Long length) {
    lastProgress.remove(id);
    publish(id, state, offset, length, "state");
  }

  private void publish(UUID id, UploadState state, long offset, Long length, String type) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type);
    m.put("id", id.toString());
    m.put("state", state.dbName());
    m.put("offset", offset);
    m.put("length", length);
    m.put("at", Instant.now().toString());
    String json;
    try {
      json = JSON.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      return;
    }
    publisher.execute(
        () -> {
          try {
            redis.publish(channel, json);
          } catch (RuntimeException e) {
            log.debug("EventPublishFailed error={}", e.toString());
          }
        });
  }

  @Override
  public void close() {
    publisher.shutdown();
  }
}
