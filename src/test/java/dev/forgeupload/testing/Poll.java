package dev.forgeupload.testing;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Waiting with a deadline instead of sleeping: probe until a value is acceptable. */
public final class Poll {
  private Poll() {}

  /** {@link #until(String, Duration, Duration, Supplier, Predicate)} probing every 100 ms. */
  public static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<T> ok) {
    return until(what, timeout, Duration.ofMillis(100), probe, ok);
  }

  /** Thread.sleep that turns an interrupt into a failure. */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /**
   * Probes every {@code every} until {@code ok} accepts the value; past the deadline, fails with
   * the last value (and the last exception the probe threw, if any).
   */
  public static <T> T until(
      String what, Duration timeout, Duration every, Supplier<T> probe, Predicate<T> ok) {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = null;
    RuntimeException lastError = null;
    while (true) {
      try {
        last = probe.get();
        lastError = null;
        if (ok.test(last)) {
          return last;
        }
      } catch (RuntimeException e) {
        lastError = e;
      }
      if (System.nanoTime() >= deadline) {
        AssertionError err =
            new AssertionError(
                "timed out after " + timeout + " waiting for " + what + "; last value: " + last);
        if (lastError != null) {
          err.initCause(lastError);
        }
        throw err;
      }
      try {
        Thread.sleep(every.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }
}
