package dev.forgeupload;

import dev.forgeupload.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this process can do its work: started, and PostgreSQL, Redis and S3 answering. {@code
 * /readyz} asks it, and so does a timer every few seconds; whoever sees it change logs the change
 * once ({@code NotReady reason=redis unreachable at ...}, then {@code Ready}), so the log and
 * {@code /readyz} tell the same story.
 */
final class Readiness implements AutoCloseable {
  // the start-up lines keep the logger they always had
  private static final Logger log = LoggerFactory.getLogger(ForgeServer.class);
  private static final Duration WATCH_EVERY = Duration.ofSeconds(5);

  /** One dependency: its name in messages, where it is (redacted), and its check. */
  record Check(String name, String where, BooleanSupplier reachable) {}

  private final List<Check> checks;
  private final BooleanSupplier started;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "readiness");
            t.setDaemon(true);
            return t;
          });
  private Boolean wasReady; // null until the first look after start

  Readiness(List<Check> checks, BooleanSupplier started) {
    this.checks = List.copyOf(checks);
    this.started = started;
  }

  static Check check(String name, String url, BooleanSupplier reachable) {
    return new Check(name, Config.redactUrl(url), reachable);
  }

  /** What keeps this process from being ready, or empty when it is. */
  Optional<String> problem() {
    if (!started.getAsBoolean()) {
      return Optional.of("starting or stopping");
    }
    for (Check c : checks) {
      if (!c.reachable().getAsBoolean()) {
        return Optional.of(c.name() + " unreachable at " + c.where());
      }
    }
    return Optional.empty();
  }

  /** For /readyz: looks now, and logs when the answer changed since the last look. */
  boolean ready() {
    Optional<String> problem = problem();
    if (started.getAsBoolean()) {
      changed(problem);
    }
    return problem.isEmpty();
  }

  /**
   * The first line once everything started ({@code event} when ready, else {@code
   * StartedNotReady} and why), then a line at every change until {@link #close}.
   */
  void announce(String event, String details) {
    Optional<String> problem = problem();
    synchronized (this) {
      wasReady = problem.isEmpty();
      if (problem.isEmpty()) {
        log.info("{}{}", event, details.isEmpty() ? "" : " " + details);
      } else {
        log.warn("StartedNotReady {}reason={}", details.isEmpty() ? "" : details + " ",
            problem.get());
      }
    }
    timer.scheduleWithFixedDelay(
        this::watch, WATCH_EVERY.toMillis(), WATCH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void watch() {
    try {
      ready();
    } catch (RuntimeException e) {
      log.debug("ReadinessCheckFailed error={}", e.toString());
    }
  }

  private synchronized void changed(Optional<String> problem) {
    if (wasReady == null || wasReady == problem.isEmpty()) {
      return;
    }
    wasReady = problem.isEmpty();
    if (problem.isEmpty()) {
      log.info("Ready again");
    } else {
      log.warn("NotReady reason={}", problem.get());
    }
  }

  /** Stops watching (first thing at shutdown: the rest stopping is no news). */
  @Override
  public synchronized void close() {
    wasReady = null;
    timer.shutdownNow();
  }
}
