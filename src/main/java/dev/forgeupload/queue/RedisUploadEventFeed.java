package dev.forgeupload.queue;

import dev.forgeupload.core.UploadEventFeed;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisClient;

/**
 * {@link UploadEventFeed} on Redis: a subscription to {@link RedisNames#events()} on a
 * daemon thread ({@code event-hub}) that subscribes again a second after a lost connection.
 */
public final class RedisUploadEventFeed implements UploadEventFeed {
  private static final Logger log = LoggerFactory.getLogger(RedisUploadEventFeed.class);

  private final RedisClient redis;
  private final String channel;

  public RedisUploadEventFeed(RedisClient redis, RedisNames names) {
    this.redis = redis;
    this.channel = names.events();
  }

  @Override
  public Subscription subscribe(Consumer<String> listener) {
    return new RedisSubscription(redis, channel, listener);
  }

  private static final class RedisSubscription implements Subscription {
    private final RedisClient redis;
    private final String channel;
    private final JedisPubSub pubSub;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile int lost; // failed subscribe attempts since the last success

    RedisSubscription(RedisClient redis, String channel, Consumer<String> listener) {
      this.redis = redis;
      this.channel = channel;
      this.pubSub =
          new JedisPubSub() {
            @Override
            public void onMessage(String channel, String message) {
              listener.accept(message);
            }

            @Override
            public void onSubscribe(String channel, int subscribedChannels) {
              if (lost > 0) {
                log.info("EventSubscriptionBack after={} attempts", lost);
                lost = 0;
              }
            }
          };
      this.thread = new Thread(this::listen, "event-hub");
      thread.setDaemon(true);
      thread.start();
    }

    private void listen() {
      while (running) {
        try {
          redis.subscribe(pubSub, channel);
        } catch (RuntimeException e) {
          if (!running) {
            return;
          }
          // one line per outage (readiness logs it too), the retries at debug
          if (lost++ == 0) {
            log.warn("EventSubscriptionLost error={} (retrying quietly)", e.toString());
          } else {
            log.debug("EventSubscriptionLost error={}", e.toString());
          }
          try {
            Thread.sleep(1000);
          } catch (InterruptedException ie) {
            return;
          }
        }
      }
    }

    @Override
    public void close() {
      running = false;
      try {
        pubSub.unsubscribe();
      } catch (RuntimeException e) {
        // not subscribed
      }
      thread.interrupt();
    }
  }
}
