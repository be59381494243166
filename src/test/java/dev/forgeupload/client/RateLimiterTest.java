package dev.forgeupload.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private static final long MIB = 1 << 20;

  /** Time that moves only when someone sleeps. */
  private static final class FakeClock implements RateLimiter.Clock {
    final AtomicLong now = new AtomicLong(123_456_789_000L);
    final AtomicLong slept = new AtomicLong();

    @Override
    public long nanoTime() {
      return now.get();
    }

    @Override
    public void sleepNanos(long nanos) {
      slept.addAndGet(nanos);
      now.addAndGet(nanos);
    }

    void pass(long nanos) {
      now.addAndGet(nanos);
    }
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  @Test
  void sending_ten_mib_at_one_mib_per_second_takes_ten_seconds_less_the_burst()
      throws Exception {
    FakeClock clock = new FakeClock();
    RateLimiter limiter = new RateLimiter(MIB, clock);
    long sent = 0;
    while (sent < 10 * MIB) {
      int n = (int) Math.min(limiter.sliceBytes(), 10 * MIB - sent);
      limiter.acquire(n);
      sent += n;
    }
    assertThat(seconds(clock.slept.get())).isCloseTo(9.9, within(0.001));
  }

  @Test
  void an_idle_limiter_lets_a_tenth_of_a_second_go_at_once_but_saves_up_no_more()
      throws Exception {
    FakeClock clock = new FakeClock();
    RateLimiter limiter = new RateLimiter(MIB, clock);
    limiter.acquire(MIB / 10);
    assertThat(clock.slept.get()).as("the first tenth of a second is free").isLessThan(1000);

    clock.pass(60_000_000_000L); // a minute idle
    long before = clock.slept.get();
    limiter.acquire(MIB);
    assertThat(seconds(clock.slept.get() - before))
        .as("a minute idle buys only the burst")
        .isCloseTo(0.9, within(0.001));
  }

  @Test
  void the_budget_is_shared_by_every_caller() throws Exception {
    FakeClock clock = new FakeClock();
    RateLimiter limiter = new RateLimiter(2 * MIB, clock);
    // four "transfers" taking turns: together they get the rate, not four times it
    for (int round = 0; round < 64; round++) {
      for (int t = 0; t < 4; t++) {
        limiter.acquire(32 * 1024);
      }
    }
    // 8 MiB at 2 MiB/s
    assertThat(seconds(clock.slept.get())).isCloseTo(3.9, within(0.001));
  }

  @Test
  void real_threads_on_the_real_clock_are_held_to_the_rate() throws Exception {
    RateLimiter limiter = new RateLimiter(4 * MIB);
    long start = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread th = new Thread(() -> {
        try {
          for (int i = 0; i < 16; i++) {
            limiter.acquire(32 * 1024); // 4 x 16 x 32 KiB = 2 MiB in all
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join(10_000);
    }
    double elapsed = seconds(System.nanoTime() - start);
    // 2 MiB at 4 MiB/s is 0.5 s, less the 0.1 s burst
    assertThat(elapsed).isGreaterThanOrEqualTo(0.39);
  }

  @Test
  void slices_are_a_twentieth_of_a_second_within_1_and_64_kib() {
    assertThat(new RateLimiter(100).sliceBytes()).isEqualTo(1024);
    assertThat(new RateLimiter(MIB).sliceBytes()).isEqualTo((int) (MIB / 20));
    assertThat(new RateLimiter(100 * MIB).sliceBytes()).isEqualTo(64 * 1024);
  }

  @Test
  void a_rate_must_be_positive() {
    assertThatThrownBy(() -> new RateLimiter(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
