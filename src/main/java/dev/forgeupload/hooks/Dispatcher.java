package dev.forgeupload.hooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.core.HookOutbox;
import dev.forgeupload.core.HookType;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the outbox: claims due events (each the oldest pending one of its upload, so one
 * upload's events arrive in order), sends each with its own id as {@code webhook-id} (the same
 * on every attempt), and settles it: delivered on a 2xx, else retried with backoff (1 s,
 * doubling, at most {@link #MAX_BACKOFF}) until the retry window has passed, then failed. When
 * the receiver answers again after failures, every waiting event is made due at once. Runs on
 * every node; claims are leases, so a node that dies mid-delivery only delays its events.
 */
final class Dispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final long POLL_MILLIS = 500;
  private static final long BACKLOG_MILLIS = 5_000;
  private static final long SWEEP_MILLIS = 10 * 60_000;
  /** Delivered and failed events, and request records, are kept this long. */
  static final Duration KEEP = Duration.ofDays(7);

  private final HookSettings settings;
  private final HookClient client;
  private final HookOutbox outbox;
  private final Stops stops;
  private final HookMetrics metrics;
  private final int concurrency;
  private final String node = "hooks-" + UUID.randomUUID();
  private final Semaphore free;
  private final ExecutorService senders;
  private final Thread poller;
  private final Object wake = new Object();
  /**
   * The receiver failed since its last 2xx. True at start: events a previous process could not
   * deliver are made due by the first 2xx instead of waiting out their backoff.
   */
  private final AtomicBoolean receiverFailing = new AtomicBoolean(true);
  /** A failure was logged since the last 2xx (one warning per outage, not one per attempt). */
  private final AtomicBoolean failureLogged = new AtomicBoolean();
  private volatile boolean running = true;

  Dispatcher(HookSettings settings, HookClient client, HookOutbox outbox, Stops stops,
      HookMetrics metrics, int concurrency) {
    this.settings = settings;
    this.client = client;
    this.outbox = outbox;
    this.stops = stops;
    this.metrics = metrics;
    this.concurrency = concurrency;
    this.free = new Semaphore(concurrency);
    this.senders = Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, "hook-sender");
      t.setDaemon(true);
      return t;
    });
    this.poller = new Thread(this::run, "hook-dispatcher");
    poller.setDaemon(true);
  }

  void start() {
    poller.start();
  }

  /** Something may be due now (a change was just committed here). */
  void nudge() {
    synchronized (wake) {
      wake.notifyAll();
    }
  }

  private void run() {
    long nextBacklog = 0;
    long nextSweep = System.currentTimeMillis() + 60_000;
    while (running) {
      int claimed = 0;
      try {
        long now = System.currentTimeMillis();
        if (now >= nextBacklog) {
          metrics.backlog(outbox.backlog());
          nextBacklog = now + BACKLOG_MILLIS;
        }
        if (now >= nextSweep) {
          outbox.sweep(KEEP);
          nextSweep = now + SWEEP_MILLIS;
        }
        claimed = claimAndSend();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.warn("HookDispatchFailed error={}", e.toString());
      }
      if (claimed == 0) {
        synchronized (wake) {
          try {
            wake.wait(POLL_MILLIS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  /** Claims as many due events as senders are free and hands them out; -1 when none is free. */
  private int claimAndSend() throws InterruptedException {
    int slots = free.drainPermits();
    if (slots == 0) {
      if (!free.tryAcquire(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        return -1;
      }
      slots = 1 + free.drainPermits();
    }
    List<HookOutbox.Delivery> due;
    try {
      due = outbox.claim(node, slots, lease());
    } catch (RuntimeException e) {
      free.release(slots);
      throw e;
    }
    free.release(slots - due.size());
    for (HookOutbox.Delivery d : due) {
      senders.execute(() -> {
        try {
          send(d);
        } catch (RuntimeException e) {
          log.warn("HookDeliveryError id={} error={} (its lease will lapse)", d.id(),
              e.toString());
        } finally {
          free.release();
        }
      });
    }
    return due.size();
  }

  /** Long enough for one attempt; a node that dies holds its events only this long. */
  private Duration lease() {
    return settings.timeout().plusSeconds(30);
  }

  private void send(HookOutbox.Delivery d) {
    JsonNode request = request(d.request());
    HookJson.Subject subject =
        new HookJson.Subject(d.uploadId().toString(), d.length(), d.offset(), d.metadata(),
            d.kind(), d.parts(), d.storageKey(), d.sha256());
    byte[] body = HookJson.hookRequest(d.type(), subject, settings.bucket(), request);
    metrics.invoked(d.type());
    HookClient.Answer a = client.post(d.id().toString(), body,
        HookJson.forwarded(request, settings.forwardHeaders()));
    if (a.ok()) {
      outbox.delivered(d.id(), a.status());
      metrics.delivered(Duration.between(d.createdAt(), OffsetDateTime.now()));
      log.debug("HookDelivered id={} type={} upload={} attempts={}", d.id(),
          d.type().wireName(), d.uploadId(), d.attempts());
      if (d.type() == HookType.POST_RECEIVE) {
        stopIfAsked(d, a.body());
      }
      failureLogged.set(false);
      if (receiverFailing.compareAndSet(true, false)) {
        int due = outbox.retryNow();
        log.info("HookReceiverBack waiting_made_due={}", due);
        nudge();
      }
      return;
    }
    metrics.failed(d.type());
    receiverFailing.set(true);
    if (!failureLogged.getAndSet(true)) {
      log.warn("HookReceiverFailing reason={} (notifications wait and are retried)", a.reason());
    }
    Integer status = a.status() == 0 ? null : a.status();
    boolean giveUp = OffsetDateTime.now().isAfter(d.retryFrom().plus(settings.retryWindow()));
    Duration retryIn = giveUp ? null : backoff(d.attempts());
    outbox.failed(d.id(), status, a.reason(), retryIn);
    if (giveUp) {
      log.warn("HookDeliveryFailed id={} type={} upload={} attempts={} reason={} (given up)",
          d.id(), d.type().wireName(), d.uploadId(), d.attempts(), a.reason());
    } else {
      log.debug("HookDeliveryRetry id={} type={} upload={} attempts={} reason={} retry_in_s={}",
          d.id(), d.type().wireName(), d.uploadId(), d.attempts(), a.reason(),
          retryIn.toSeconds());
    }
  }

  /** post-receive answered StopUpload: the PATCH is stopped with tusd's 400 and the hook's reply. */
  private void stopIfAsked(HookOutbox.Delivery d, byte[] answer) {
    HookResponse r;
    try {
      r = HookResponse.parse(answer);
    } catch (HookResponse.Invalid e) {
      log.info("HookResponseIgnored id={} type=post-receive reason={}", d.id(), e.getMessage());
      return;
    }
    if (r.stopUpload()) {
      stops.stop(d.uploadId(),
          BlockingHooks.refusal(r.reply(), "upload has been stopped by server"));
    }
  }

  static Duration backoff(int attempts) {
    long seconds = 1L << Math.min(Math.max(attempts - 1, 0), 20);
    return seconds >= MAX_BACKOFF.toSeconds() ? MAX_BACKOFF : Duration.ofSeconds(seconds);
  }

  private static JsonNode request(String json) {
    if (json == null) {
      return null;
    }
    try {
      return HookJson.storedRequest(HookJson.JSON.readTree(json));
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  @Override
  public void close() {
    running = false;
    poller.interrupt();
    senders.shutdown();
    try {
      poller.join(2_000);
      if (!senders.awaitTermination(settings.timeout().toMillis() + 1_000,
          TimeUnit.MILLISECONDS)) {
        senders.shutdownNow(); // the leases of what is still out lapse; others send them again
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      senders.shutdownNow();
    }
    log.debug("HookDispatcherStopped node={} concurrency={}", node, concurrency);
  }
}
