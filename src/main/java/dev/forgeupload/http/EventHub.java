package dev.forgeupload.http;

import dev.forgeupload.auth.ApiKeys;
import dev.forgeupload.core.UploadEventFeed;
import dev.forgeupload.core.UploadRepository;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription to the upload events per node ({@link UploadEventFeed}: Redis pub/sub),
 * fanned out to every open event stream. Streams are asynchronous responses ({@link
 * EventStream}): they hold no request thread, only a bounded queue that a small writer pool
 * drains without blocking, so a slow browser loses events (it catches up from the API) rather
 * than slowing the others, and thousands of idle streams leave the request threads to everyone
 * else.
 *
 * <p>A scheduler sends the keep-alive comments, ends streams whose JWT expired, and every few
 * seconds asks PostgreSQL (one query for all open streams) whether their API keys were revoked.
 * Streams per owner and per client address are capped here, counted in this process.
 */
public final class EventHub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventHub.class);
  private static final Pattern EVENT_ID = Pattern.compile("\"id\":\"([0-9a-f-]{36})\"");
  private static final int OWNER_CACHE_SIZE = 10_000;
  private static final int DISPATCH_QUEUE = 10_000;
  private static final int WRITERS = 2;

  /**
   * {@code keepAlive}: a comment after this long without a frame (proxies and Jetty's idle
   * timeout must not close an idle stream); {@code keyCheck}: how often API-key revocation is
   * checked; {@code retryAfter}: what a refused client is told to wait.
   */
  public record Settings(
      int maxPerOwner, int maxPerAddress, Duration keepAlive, Duration keyCheck,
      Duration retryAfter) {
    public static Settings defaults(int maxPerOwner, int maxPerAddress, Duration readTimeout) {
      Duration keepAlive = Duration.ofSeconds(15);
      if (readTimeout.dividedBy(2).compareTo(keepAlive) < 0) {
        keepAlive = readTimeout.dividedBy(2);
      }
      return new Settings(
          maxPerOwner, maxPerAddress, keepAlive, Duration.ofSeconds(5), Duration.ofSeconds(5));
    }
  }

  private final UploadEventFeed.Subscription subscription;
  private final UploadRepository repo;
  private final ApiKeys apiKeys;
  private final Settings settings;
  private final StreamLimits limits;
  private final Set<EventStream> streams = ConcurrentHashMap.newKeySet();
  /** Upload id to owner ("" for none); an upload's owner never changes. */
  private final Map<UUID, String> owners =
      Collections.synchronizedMap(
          new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<UUID, String> eldest) {
              return size() > OWNER_CACHE_SIZE;
            }
          });
  /** Fans a message out, in order (one thread); the Redis thread only hands it over. */
  private final ThreadPoolExecutor dispatcher =
      new ThreadPoolExecutor(
          1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(DISPATCH_QUEUE),
          daemon("event-dispatch"), new ThreadPoolExecutor.DiscardPolicy());
  private final ExecutorService writer =
      Executors.newFixedThreadPool(WRITERS, daemon("event-writer"));
  /** Keep-alives and expiry (one thread), key checks (the other: a slow query delays no tick). */
  private final ScheduledExecutorService scheduler =
      Executors.newScheduledThreadPool(2, daemon("event-scheduler"));
  private volatile boolean running = true;
  // (System.nanoTime() has an arbitrary origin: "long ago" is now minus the interval)
  private volatile long lastKeyCheckWarning = System.nanoTime() - 60_000_000_000L;
  private volatile long lastRejectionLog = System.nanoTime() - 10_000_000_000L;
  private final AtomicInteger rejectionsSinceLog = new AtomicInteger();

  public EventHub(
      UploadEventFeed feed, UploadRepository repo, ApiKeys apiKeys, Settings settings) {
    this.repo = repo;
    this.apiKeys = apiKeys;
    this.settings = settings;
    this.limits = new StreamLimits(settings.maxPerOwner(), settings.maxPerAddress());
    long tick = Math.max(100, Math.min(1000, settings.keepAlive().toMillis() / 2));
    scheduler.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    long keys = settings.keyCheck().toMillis();
    scheduler.scheduleWithFixedDelay(this::checkKeys, keys, keys, TimeUnit.MILLISECONDS);
    this.subscription =
        feed.subscribe(
            message -> {
              if (!streams.isEmpty()) {
                dispatcher.execute(() -> dispatch(message));
              }
            });
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  // ---- streams

  boolean isOpen() {
    return running;
  }

  /** Counts a stream about to open, or returns the cap it would pass. */
  StreamLimits.Refusal admit(String owner, String address) {
    return limits.tryAcquire(owner, address);
  }

  /** Uncounts a stream that was admitted but never opened. */
  void unadmit(String owner, String address) {
    limits.release(owner, address);
  }

  StreamLimits limits() {
    return limits;
  }

  Settings settings() {
    return settings;
  }

  ExecutorService writer() {
    return writer;
  }

  /** A new stream starts receiving events; after {@link #close()} it ends at once. */
  void add(EventStream stream) {
    streams.add(stream);
    if (!running) {
      stream.end("shutdown");
    }
    if (stream.isEnded()) {
      streams.remove(stream); // its first write failed before it was added
    }
  }

  /** Called once per stream when it ended, for whatever reason. */
  void ended(EventStream stream, String reason, long dropped) {
    streams.remove(stream);
    limits.release(stream.owner(), stream.address);
    long seconds = (System.nanoTime() - stream.openedNanos) / 1_000_000_000L;
    if (reason.startsWith("credential")) {
      log.info("EventStreamEnded reason={} via={} seconds={} dropped={}",
          reason, stream.principal.via(), seconds, dropped);
    } else {
      log.debug("EventStreamEnded reason={} via={} seconds={} dropped={}",
          reason, stream.principal.via(), seconds, dropped);
    }
  }

  /**
   * A stream was refused: probe the streams that filled the cap, so those whose client is gone
   * (noticed only when a write fails) free their place by the time the client retries.
   */
  void refused(StreamLimits.Refusal refusal, String owner, String address) {
    long now = System.nanoTime();
    List<EventStream> probed = new ArrayList<>();
    for (EventStream s : streams) {
      boolean match =
          refusal == StreamLimits.Refusal.OWNER ? owner.equals(s.owner()) : address.equals(s.address);
      if (match) {
        s.probe(now);
        probed.add(s);
      }
    }
    // the first write to a closed connection succeeds; the reset it provokes fails the second
    scheduler.schedule(
        () -> probed.forEach(s -> s.offer(EventStream.KEEP_ALIVE)), 300, TimeUnit.MILLISECONDS);
    int n = rejectionsSinceLog.incrementAndGet();
    if (now - lastRejectionLog > 10_000_000_000L) {
      lastRejectionLog = now;
      rejectionsSinceLog.set(0);
      log.info("EventStreamRejected limit={} owner_len={} address={} open={} "
              + "rejected_since_last_log={}",
          refusal.name().toLowerCase(java.util.Locale.ROOT),
          owner == null ? 0 : owner.length(), address,
          refusal == StreamLimits.Refusal.OWNER ? limits.owner(owner) : limits.address(address),
          n);
    }
  }

  public int openStreams() {
    return streams.size();
  }

  // ---- events

  private void dispatch(String json) {
    byte[] frame = null;
    Subject subject = null; // looked up once per event, not per stream
    for (EventStream s : streams) {
      if (subject == null) {
        subject = subjectOf(json);
        if (subject.foreign()) {
          return; // another deployment's upload (same Redis namespace): shown to no one here
        }
      }
      if (!s.principal.admin()
          && (subject.owner() == null || !subject.owner().equals(s.owner()))) {
        continue;
      }
      if (frame == null) {
        frame = ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
      }
      s.offer(frame);
    }
  }

  /**
   * Whose upload an event is about: {@code owner} is the owner ("" for none), null when the event
   * names no upload or the lookup failed; {@code foreign} when it names an upload that is not in
   * this database. Rows are written before their events are published, so no row means foreign.
   */
  private record Subject(String owner, boolean foreign) {}

  private Subject subjectOf(String json) {
    Matcher m = EVENT_ID.matcher(json);
    if (!m.find()) {
      return new Subject(null, false);
    }
    UUID id = UUID.fromString(m.group(1));
    String owner = owners.get(id);
    if (owner == null) {
      try {
        owner = repo.find(id).map(u -> u.owner() == null ? "" : u.owner()).orElse(null);
      } catch (RuntimeException e) {
        log.warn("EventOwnerLookupFailed error={}", e.toString());
        return new Subject(null, false);
      }
      if (owner == null) {
        return new Subject(null, true);
      }
      owners.put(id, owner);
    }
    return new Subject(owner, false);
  }

  // ---- the scheduler

  private void tick() {
    try {
      long now = System.nanoTime();
      Instant wall = Instant.now();
      long keepAlive = settings.keepAlive().toNanos();
      for (EventStream s : streams) {
        if (s.principal.expired(wall)) {
          s.end("credential_expired");
        } else {
          s.keepAliveIfIdle(now, keepAlive);
        }
      }
    } catch (RuntimeException e) {
      log.warn("EventTickFailed error={}", e.toString());
    }
  }

  private void checkKeys() {
    Map<UUID, List<EventStream>> byKey = new HashMap<>();
    for (EventStream s : streams) {
      if (s.principal.keyId() != null) {
        byKey.computeIfAbsent(s.principal.keyId(), k -> new ArrayList<>()).add(s);
      }
    }
    if (byKey.isEmpty()) {
      return;
    }
    Set<UUID> valid;
    try {
      valid = apiKeys.stillValid(byKey.keySet());
    } catch (RuntimeException e) {
      // PostgreSQL unreachable: keep the streams (new requests cannot authenticate either)
      long now = System.nanoTime();
      if (now - lastKeyCheckWarning > 60_000_000_000L) {
        lastKeyCheckWarning = now;
        log.warn("EventStreamKeyCheckFailed streams={} error={}", byKey.size(), e.toString());
      }
      return;
    }
    byKey.forEach(
        (id, list) -> {
          if (!valid.contains(id)) {
            list.forEach(s -> s.end("credential_revoked"));
          }
        });
  }

  /** Ends every open stream at once (their requests complete), then stops the subscription. */
  @Override
  public void close() {
    running = false;
    List<EventStream> all = new ArrayList<>(streams);
    for (EventStream s : all) {
      s.end("shutdown");
    }
    if (!all.isEmpty()) {
      log.info("EventStreamsClosed count={}", all.size());
    }
    scheduler.shutdownNow();
    dispatcher.shutdownNow();
    writer.shutdown();
    subscription.close();
  }
}
