package dev.forgeupload.client;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Retries of one upload (or part): a failure that may pass waits 0.5 s, 1 s, 2 s, ... (at most
 * 30 s, or the server's {@code Retry-After} when longer, with up to 20% jitter) before the
 * next try; after {@code retries} failures in a row without progress, or a failure that cannot
 * pass, the last error stands. Progress (the server's offset moved) starts the count again, so a
 * long upload over a flaky network keeps going as long as it gets somewhere.
 */
final class Backoff {
  private static final long FIRST_MILLIS = 500;
  private static final long MAX_MILLIS = 30_000;

  private final int retries;
  private final Consumer<String> note;
  private int failures;

  /**
   * @param note told of each retry (the reason and the wait), for the progress display
   */
  Backoff(int retries, Consumer<String> note) {
    this.retries = retries;
    this.note = note;
  }

  /** The upload moved forward: the next failure is a first one again. */
  void progressed() {
    failures = 0;
  }

  /** Waits before the next try, or rethrows {@code e} when there is none. */
  void failed(TusException e) throws TusException, InterruptedException {
    if (!e.retryable() || failures >= retries) {
      throw e;
    }
    long millis = delayMillis(failures++);
    millis = Math.max(millis, e.retryAfter().toMillis());
    note.accept("retry " + failures + "/" + retries + " in "
        + String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0) + ": " + e.getMessage());
    Thread.sleep(millis);
  }

  /** The delay before retry {@code n + 1}: doubling from 0.5 s, capped, jittered. */
  static long delayMillis(int n) {
    long base = n >= 16 ? MAX_MILLIS : Math.min(MAX_MILLIS, FIRST_MILLIS << n);
    double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
    return Math.min(MAX_MILLIS, (long) (base * jitter));
  }
}
