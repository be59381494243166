package dev.forgeupload.client;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * The body of one PATCH: {@code length} bytes of a file from {@code position}, read a slice at a
 * time (never the whole file in memory). The uploading thread pushes the slices ({@link #pump}):
 * the HTTP client only signals demand, so the throttle's sleeps and the file reads never block
 * one of its shared threads. A slice goes out only when the client asks for one, so what it
 * buffers stays small and the rate limit holds on the wire, not just on the disk.
 */
final class RegionBody implements Flow.Publisher<ByteBuffer> {
  /** Thrown by {@link #pump} when the client asked for nothing for too long (network gone). */
  static final class Stalled extends Exception {
    private static final long serialVersionUID = 1L;

    Stalled(String message) {
      super(message);
    }
  }

  private static final int SLICE = 64 * 1024;

  private final FileChannel channel;
  private final long position;
  private final long length;
  private final RateLimiter limiter;
  private final LongConsumer sent;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private Flow.Subscriber<? super ByteBuffer> subscriber; // guarded by lock
  private long demand; // guarded by lock
  private boolean cancelled; // guarded by lock

  /**
   * @param limiter null for no limit
   * @param sent told the number of bytes of each slice handed to the client
   */
  RegionBody(FileChannel channel, long position, long length, RateLimiter limiter,
      LongConsumer sent) {
    this.channel = channel;
    this.position = position;
    this.length = length;
    this.limiter = limiter;
    this.sent = sent;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
    lock.lock();
    boolean first;
    try {
      first = subscriber == null;
      if (first) {
        subscriber = s;
      }
    } finally {
      lock.unlock();
    }
    if (!first) {
      // the body streams from the file once; the client must not replay it
      s.onSubscribe(new Flow.Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
      });
      s.onError(new IllegalStateException("the request body can be sent only once"));
      return;
    }
    s.onSubscribe(new Flow.Subscription() {
      @Override
      public void request(long n) {
        signal(() -> {
          if (n <= 0) {
            cancelled = true;
          } else {
            demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
          }
        });
      }

      @Override
      public void cancel() {
        signal(() -> cancelled = true);
      }
    });
    signal(() -> {});
  }

  private void signal(Runnable change) {
    lock.lock();
    try {
      change.run();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends the region, a slice whenever the client asks for one. Returns when every byte was
   * handed over, or early when {@code exchange} completed first (the server answered or the
   * connection died: the response says what happened) or the client cancelled.
   *
   * @throws Stalled when the client asked for nothing for {@code stall}
   * @throws IOException when the file cannot be read (or shrank)
   */
  void pump(CompletableFuture<?> exchange, Duration stall)
      throws IOException, InterruptedException, Stalled {
    exchange.whenComplete((r, e) -> signal(() -> {}));
    int sliceMax = limiter == null ? SLICE : limiter.sliceBytes();
    long done = 0;
    while (done < length) {
      Flow.Subscriber<? super ByteBuffer> s = awaitDemand(exchange, stall);
      if (s == null) {
        return;
      }
      int n = (int) Math.min(sliceMax, length - done);
      if (limiter != null) {
        limiter.acquire(n);
      }
      ByteBuffer buf = ByteBuffer.allocate(n);
      try {
        while (buf.hasRemaining()) {
          if (channel.read(buf, position + done + buf.position()) < 0) {
            throw new IOException("the file is shorter than when the upload started");
          }
        }
      } catch (IOException e) {
        s.onError(e);
        throw e;
      }
      buf.flip();
      s.onNext(buf);
      done += n;
      sent.accept(n);
    }
    Flow.Subscriber<? super ByteBuffer> s = subscriberOrNull();
    if (s != null) {
      s.onComplete();
    }
  }

  /** Ends the body with an error, so the client aborts the request (a stall, an interrupt). */
  void abort(Throwable why) {
    Flow.Subscriber<? super ByteBuffer> s;
    lock.lock();
    try {
      s = cancelled ? null : subscriber;
      cancelled = true;
    } finally {
      lock.unlock();
    }
    if (s != null) {
      s.onError(why);
    }
  }

  private Flow.Subscriber<? super ByteBuffer> subscriberOrNull() {
    lock.lock();
    try {
      return cancelled ? null : subscriber;
    } finally {
      lock.unlock();
    }
  }

  /** Waits for one unit of demand and takes it; null when the exchange ended or was cancelled. */
  private Flow.Subscriber<? super ByteBuffer> awaitDemand(CompletableFuture<?> exchange,
      Duration stall) throws InterruptedException, Stalled {
    long deadline = System.nanoTime() + stall.toNanos();
    lock.lock();
    try {
      while (!cancelled && !exchange.isDone() && (subscriber == null || demand == 0)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new Stalled("the connection took no data for " + stall.toSeconds() + " s");
        }
        changed.awaitNanos(left);
      }
      if (cancelled || exchange.isDone()) {
        return null;
      }
      demand--;
      return subscriber;
    } finally {
      lock.unlock();
    }
  }
}
