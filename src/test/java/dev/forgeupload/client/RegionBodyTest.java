package dev.forgeupload.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PATCH body pushed by the uploading thread: only on demand, the region exactly, stalls. */
class RegionBodyTest {
  @TempDir Path tmp;

  /** A subscriber that asks for one slice at a time and keeps what it gets. */
  private static final class Collector implements Flow.Subscriber<ByteBuffer> {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final AtomicBoolean completed = new AtomicBoolean();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    final AtomicLong slices = new AtomicLong();
    final boolean ask;
    Flow.Subscription subscription;

    Collector(boolean ask) {
      this.ask = ask;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (ask) {
        s.request(1);
      }
    }

    @Override
    public void onNext(ByteBuffer item) {
      byte[] b = new byte[item.remaining()];
      item.get(b);
      bytes.write(b, 0, b.length);
      slices.incrementAndGet();
      subscription.request(1);
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onComplete() {
      completed.set(true);
    }
  }

  private Path file(int size) throws IOException {
    byte[] data = new byte[size];
    new Random(3).nextBytes(data);
    return Files.write(tmp.resolve("f.bin"), data);
  }

  @Test
  void it_sends_exactly_the_region_in_slices_and_completes() throws Exception {
    Path f = file(300_000);
    byte[] all = Files.readAllBytes(f);
    AtomicLong counted = new AtomicLong();
    try (FileChannel ch = FileChannel.open(f)) {
      RegionBody body = new RegionBody(ch, 1000, 200_001, null, counted::addAndGet);
      Collector c = new Collector(true);
      body.subscribe(c);
      body.pump(new CompletableFuture<>(), Duration.ofSeconds(5));
      assertThat(c.completed).isTrue();
      assertThat(c.bytes.toByteArray())
          .isEqualTo(java.util.Arrays.copyOfRange(all, 1000, 201_001));
      assertThat(c.slices.get()).isEqualTo(4); // 64 KiB each
      assertThat(counted.get()).isEqualTo(200_001);
    }
  }

  @Test
  void with_a_limiter_slices_shrink_and_the_time_is_the_rate() throws Exception {
    Path f = file(400_000);
    try (FileChannel ch = FileChannel.open(f)) {
      RateLimiter limiter = new RateLimiter(1_000_000);
      RegionBody body = new RegionBody(ch, 0, 400_000, limiter, n -> {});
      Collector c = new Collector(true);
      body.subscribe(c);
      long start = System.nanoTime();
      body.pump(new CompletableFuture<>(), Duration.ofSeconds(5));
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(c.slices.get()).isEqualTo(8); // a twentieth of a second of 1 MB/s: 50 000
      assertThat(seconds).as("400 kB at 1 MB/s, less the burst").isGreaterThanOrEqualTo(0.29);
    }
  }

  @Test
  void nothing_goes_without_demand_and_a_client_that_never_asks_is_a_stall() throws Exception {
    Path f = file(1000);
    try (FileChannel ch = FileChannel.open(f)) {
      RegionBody body = new RegionBody(ch, 0, 1000, null, n -> {});
      Collector c = new Collector(false);
      body.subscribe(c);
      assertThatThrownBy(() -> body.pump(new CompletableFuture<>(), Duration.ofMillis(300)))
          .isInstanceOf(RegionBody.Stalled.class);
      assertThat(c.bytes.size()).isZero();
    }
  }

  @Test
  void an_exchange_that_ends_early_stops_the_pump() throws Exception {
    Path f = file(1000);
    try (FileChannel ch = FileChannel.open(f)) {
      RegionBody body = new RegionBody(ch, 0, 1000, null, n -> {});
      Collector c = new Collector(false);
      body.subscribe(c);
      CompletableFuture<Object> exchange = new CompletableFuture<>();
      new Thread(() -> {
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
        exchange.complete("415 from the server");
      }).start();
      long start = System.nanoTime();
      body.pump(exchange, Duration.ofSeconds(30));
      assertThat((System.nanoTime() - start) / 1e9).isLessThan(5);
      assertThat(c.completed).isFalse();
    }
  }

  @Test
  void a_file_shorter_than_the_region_is_an_error_for_both_sides() throws Exception {
    Path f = file(1000);
    try (FileChannel ch = FileChannel.open(f)) {
      RegionBody body = new RegionBody(ch, 0, 2000, null, n -> {});
      Collector c = new Collector(true);
      body.subscribe(c);
      assertThatThrownBy(() -> body.pump(new CompletableFuture<>(), Duration.ofSeconds(5)))
          .isInstanceOf(IOException.class).hasMessageContaining("shorter");
      assertThat(c.error.get()).isInstanceOf(IOException.class);
    }
  }

  @Test
  void a_second_subscriber_is_refused_the_body_is_sent_once() throws Exception {
    Path f = file(10);
    try (FileChannel ch = FileChannel.open(f)) {
      RegionBody body = new RegionBody(ch, 0, 10, null, n -> {});
      body.subscribe(new Collector(true));
      Collector second = new Collector(true);
      body.subscribe(second);
      assertThat(second.error.get()).isInstanceOf(IllegalStateException.class);
    }
  }
}
