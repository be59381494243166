package dev.forgeupload.queue;

import dev.forgeupload.auth.RateLimiter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A token bucket per key in Redis, so every node draws from the same budget: it holds up to a
 * quarter of the per-minute rate (a burst of 15 s worth) and refills continuously. Time comes
 * from the Redis server, not from the nodes' clocks. When Redis is unreachable requests are let
 * through (and a warning logged): the limiter protects the service, it must not take it down.
 */
public final class RedisRateLimiter implements RateLimiter {
  private static final Logger log = LoggerFactory.getLogger(RedisRateLimiter.class);

  // KEYS[1] bucket; ARGV[1] capacity; ARGV[2] tokens per millisecond.
  // Returns 0 when a token was taken, else milliseconds until one is available.
  private static final String BUCKET =
      """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local cap = tonumber(ARGV[1])
      local rate = tonumber(ARGV[2])
      local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
      local tokens = tonumber(b[1]) or cap
      local ts = tonumber(b[2]) or now
      if now > ts then tokens = math.min(cap, tokens + (now - ts) * rate) end
      local wait = 0
      if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate) end
      redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
      redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + 1000)
      return wait
      """;

  private final RedisClient redis;
  private final RedisNames names;
  private final AtomicLong lastWarning = new AtomicLong();
  /** SHA-1 of the loaded script: every request sends 40 bytes, not the script. */
  private volatile String sha;

  public RedisRateLimiter(RedisClient redis, RedisNames names) {
    this.redis = redis;
    this.names = names;
  }

  @Override
  public long acquire(String key, int perMinute) {
    if (perMinute <= 0) {
      return 0;
    }
    double capacity = Math.max(1, perMinute / 4.0);
    double perMilli = perMinute / 60_000.0;
    try {
      List<String> keys = List.of(names.rate(key));
      List<String> args = List.of(Double.toString(capacity), Double.toString(perMilli));
      Object waitMillis;
      try {
        if (sha == null) {
          sha = redis.scriptLoad(BUCKET);
        }
        waitMillis = redis.evalsha(sha, keys, args);
      } catch (JedisNoScriptException e) {
        // Redis restarted or its scripts were flushed: load it again
        sha = redis.scriptLoad(BUCKET);
        waitMillis = redis.evalsha(sha, keys, args);
      }
      long ms = ((Number) waitMillis).longValue();
      return ms <= 0 ? 0 : Math.max(1, (ms + 999) / 1000);
    } catch (RuntimeException e) {
      long now = System.nanoTime();
      long last = lastWarning.get();
      if (now - last > 10_000_000_000L && lastWarning.compareAndSet(last, now)) {
        log.warn("RateLimiterUnavailable error={} (requests are let through)", e.toString());
      }
      return 0;
    }
  }
}
