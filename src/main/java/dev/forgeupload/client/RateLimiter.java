package dev.forgeupload.client;

/**
 * {@code --limit-rate}: one budget of bytes per second shared by every transfer of a run. Each
 * reservation moves a "next free" time forward by its bytes' share of a second and sleeps until
 * the caller's bytes are due; an idle limiter lets at most {@link #BURST_NANOS} worth of bytes go
 * at once, so over any second at most 1.1 times the rate leaves.
 */
public final class RateLimiter {
  /** Time, for tests to replace. */
  public interface Clock {
    long nanoTime();

    void sleepNanos(long nanos) throws InterruptedException;
  }

  public static final Clock SYSTEM =
      new Clock() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void sleepNanos(long nanos) throws InterruptedException {
          Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        }
      };

  /** What an idle limiter may send at once: a tenth of a second of the rate. */
  static final long BURST_NANOS = 100_000_000L;

  private final long bytesPerSecond;
  private final double nanosPerByte;
  private final Clock clock;
  private long next; // guarded by this
  private boolean started; // guarded by this

  public RateLimiter(long bytesPerSecond, Clock clock) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("rate must be positive: " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.nanosPerByte = 1e9 / bytesPerSecond;
    this.clock = clock;
  }

  public RateLimiter(long bytesPerSecond) {
    this(bytesPerSecond, SYSTEM);
  }

  public long bytesPerSecond() {
    return bytesPerSecond;
  }

  /**
   * How many bytes to hand over at a time: a twentieth of a second of the rate (at least 1 KiB,
   * at most 64 KiB), so progress and the rate stay smooth at low rates.
   */
  public int sliceBytes() {
    return (int) Math.max(1024, Math.min(64 * 1024, bytesPerSecond / 20));
  }

  /** Blocks until {@code bytes} more may be sent. */
  public void acquire(long bytes) throws InterruptedException {
    long wait;
    synchronized (this) {
      long now = clock.nanoTime();
      long floor = now - BURST_NANOS;
      if (!started || next < floor) {
        next = floor;
        started = true;
      }
      next += (long) Math.ceil(bytes * nanosPerByte);
      wait = next - now;
    }
    if (wait > 0) {
      clock.sleepNanos(wait);
    }
  }
}
