package dev.forgeupload.http;

import dev.forgeupload.queue.RedisUploadEvents;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisClient;

/**
 * One Redis subscription per node, fanned out to every connected event stream. A slow browser
 * loses events (its queue is bounded) rather than slowing the others; it catches up from the API.
 */
public final class EventHub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventHub.class);
  private static final int QUEUE_SIZE = 1000;

  private final RedisClient redis;
  private final Set<BlockingQueue<String>> subscribers = ConcurrentHashMap.newKeySet();
  private final JedisPubSub pubSub =
      new JedisPubSub() {
        @Override
        public void onMessage(String channel, String message) {
          for (BlockingQueue<String> q : subscribers) {
            q.offer(message);
          }
        }
      };
  private final Thread thread;
  private volatile boolean running = true;

  public EventHub(RedisClient redis) {
    this.redis = redis;
    this.thread = new Thread(this::listen, "event-hub");
    thread.setDaemon(true);
    thread.start();
  }

  private void listen() {
    while (running) {
      try {
        redis.subscribe(pubSub, RedisUploadEvents.CHANNEL);
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        log.warn("EventSubscriptionLost error={} (retrying)", e.toString());
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  BlockingQueue<String> subscribe() {
    BlockingQueue<String> q = new ArrayBlockingQueue<>(QUEUE_SIZE);
    subscribers.add(q);
    return q;
  }

  void unsubscribe(BlockingQueue<String> q) {
    subscribers.remove(q);
  }

  /** Sent to every stream when the hub closes: the stream ends and the request completes. */
  static final String END = "";

  @Override
  public void close() {
    running = false;
    for (BlockingQueue<String> q : subscribers) {
      q.offer(END);
    }
    try {
      pubSub.unsubscribe();
    } catch (RuntimeException e) {
      // not subscribed
    }
    thread.interrupt();
  }
}
