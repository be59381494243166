package dev.forgeupload.security;

import static dev.forgeupload.testing.TusHttp.location;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Slow headers (the attacker's report: 1,000 connections trickling one header line every 5 s
 * were held for 46 s, since every byte restarts the idle timeout): a request head must be
 * complete within FORGE_HEADER_TIMEOUT_SECONDS, bodies and event streams may take longer, and
 * one address may hold at most FORGE_MAX_CONNECTIONS_PER_ADDRESS connections.
 */
class SlowHeadersIT {
  private static final int DEADLINE_SECONDS = 3;

  /** A raw non-blocking connection and when the server closed it (seconds after connect). */
  private static final class Trickle {
    final SocketChannel channel;
    final long openedNanos = System.nanoTime();
    double closedAfter = -1;

    Trickle(int port, String first) throws IOException {
      channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
      channel.configureBlocking(false);
      send(first);
    }

    void send(String s) {
      try {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
          channel.write(b);
        }
      } catch (IOException e) {
        closed();
      }
    }

    /** True once the server closed the connection (EOF or reset). */
    boolean poll() {
      if (closedAfter >= 0) {
        return true;
      }
      try {
        ByteBuffer b = ByteBuffer.allocate(4096);
        int n;
        while ((n = channel.read(b)) > 0) {
          b.clear();
        }
        if (n < 0) {
          closed();
        }
      } catch (IOException e) {
        closed();
      }
      return closedAfter >= 0;
    }

    private void closed() {
      if (closedAfter < 0) {
        closedAfter = (System.nanoTime() - openedNanos) / 1e9;
      }
    }

    void close() {
      try {
        channel.close();
      } catch (IOException e) {
        // gone
      }
    }
  }

  @Test
  void trickled_request_heads_are_closed_at_the_deadline_but_slow_bodies_and_streams_are_not()
      throws Exception {
    try (TestServer server =
        TestServer.start(
            Map.of(
                "FORGE_HEADER_TIMEOUT_SECONDS", Integer.toString(DEADLINE_SECONDS),
                "FORGE_MAX_CONNECTIONS_PER_ADDRESS", "0",
                "FORGE_MIN_BODY_BYTES_PER_SECOND", "0"))) {
      TusHttp http = new TusHttp(server.baseUrl());
      List<Trickle> trickles = new ArrayList<>();
      try {
        for (int i = 0; i < 200; i++) {
          trickles.add(new Trickle(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n"));
        }
        // a kept-alive connection whose second request head trickles
        Trickle later = new Trickle(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        // an event stream and a slow upload body, both longer than the head deadline
        RawStream stream = RawStream.open(server.port(), null);
        assertThat(stream.status(Duration.ofSeconds(5))).isEqualTo(200);
        String url = location(http.as(null).tryCreate(5000, null));
        SlowBody body = SlowBody.start(server.port(), url, 5000, 5);

        long start = System.nanoTime();
        long nextLine = start + 2_000_000_000L;
        boolean laterStarted = false;
        long normalMillis = -1;
        int normalStatus = -1;
        while (System.nanoTime() - start < Duration.ofSeconds(DEADLINE_SECONDS + 5).toNanos()) {
          if (System.nanoTime() >= nextLine) {
            for (Trickle t : trickles) {
              if (!t.poll()) {
                t.send("X-Slow: one line every 2 s\r\n");
              }
            }
            nextLine += 2_000_000_000L;
          }
          if (!laterStarted && System.nanoTime() - start > 1_000_000_000L) {
            later.poll(); // reads the first response
            later.send("GET /healthz HTTP/1.1\r\n"); // its clock starts now
            laterStarted = true;
          }
          if (normalMillis < 0 && System.nanoTime() - start > 1_500_000_000L) {
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r =
                http.send(http.as(null).tus("/readyz").timeout(Duration.ofSeconds(5)).GET().build());
            normalMillis = (System.nanoTime() - t0) / 1_000_000;
            normalStatus = r.statusCode();
          }
          boolean all = true;
          for (Trickle t : trickles) {
            all &= t.poll();
          }
          if (all && later.poll()) {
            break;
          }
          Thread.sleep(50);
        }
        double min = trickles.stream().mapToDouble(t -> t.closedAfter).min().orElseThrow();
        double max = trickles.stream().mapToDouble(t -> t.closedAfter).max().orElseThrow();
        long open = trickles.stream().filter(t -> t.closedAfter < 0).count();
        System.out.printf(
            "SlowHeadersIT connections=%d deadline=%d s closed_after min=%.2f max=%.2f s "
                + "still_open=%d later_request_closed_after=%.2f s readyz=%d in %d ms%n",
            trickles.size(), DEADLINE_SECONDS, min, max, open, later.closedAfter, normalStatus,
            normalMillis);
        assertThat(open).as("trickling connections still open").isZero();
        assertThat(min).as("closed no earlier than the deadline").isGreaterThanOrEqualTo(
            DEADLINE_SECONDS - 0.1);
        assertThat(max).as("closed within deadline + 2 s").isLessThan(DEADLINE_SECONDS + 2.0);
        assertThat(later.closedAfter - 1.0).as("a later request's trickled head")
            .isBetween(DEADLINE_SECONDS - 1.0, DEADLINE_SECONDS + 2.5);
        assertThat(normalStatus).isEqualTo(200);
        assertThat(normalMillis).isLessThan(1000);

        // the slow body (5 s) and the event stream (8 s by now) were not cut
        assertThat(body.await()).as("slow PATCH status").isEqualTo(204);
        assertThat(stream.awaitClose(Duration.ofMillis(500))).as("stream still open")
            .isEqualTo(-1);
        stream.close();
      } finally {
        trickles.forEach(Trickle::close);
      }
    }
  }

  @Test
  void connections_over_the_per_address_cap_are_closed_at_accept() throws Exception {
    int cap = 5;
    try (TestServer server =
        TestServer.start(Map.of("FORGE_MAX_CONNECTIONS_PER_ADDRESS", Integer.toString(cap),
            // streams uncapped per address: the connection cap then applies exactly as set
            "FORGE_MAX_EVENT_STREAMS_PER_ADDRESS", "0"))) {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < cap; i++) {
          Socket s = connect(server.port());
          assertThat(exchange(s)).as("connection %d answers", i + 1).startsWith("HTTP/1.1 200");
          held.add(s); // kept alive
        }
        Socket over = connect(server.port());
        held.add(over);
        assertThat(exchange(over)).as("connection over the cap").isNull();

        // one closes: a new connection gets in again
        held.get(0).close();
        String answer = null;
        for (int i = 0; i < 40 && answer == null; i++) {
          Thread.sleep(50);
          Socket again = connect(server.port());
          held.add(again);
          answer = exchange(again);
        }
        assertThat(answer).as("a connection after one closed").startsWith("HTTP/1.1 200");
        // the kept-alive ones still work
        assertThat(exchange(held.get(1))).startsWith("HTTP/1.1 200");
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setSoTimeout(3000);
    return s;
  }

  /** GET /healthz on the connection; its status line and headers, or null if it was closed. */
  private static String exchange(Socket s) throws IOException {
    try {
      OutputStream out = s.getOutputStream();
      out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder head = new StringBuilder();
      int c;
      while ((c = in.read()) != -1) {
        head.append((char) c);
        if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
          in.readNBytes(3); // "ok\n"
          return head.toString();
        }
      }
      return null;
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no answer and not closed", e);
    } catch (IOException reset) {
      return null;
    }
  }

  /** A PATCH whose body is sent in {@code seconds} equal parts, one per second. */
  private static final class SlowBody {
    private final Thread thread;
    private volatile int status = -1;
    private volatile Throwable failure;

    private SlowBody(Runnable r) {
      thread = new Thread(r, "slow-body");
    }

    static SlowBody start(int port, String url, int length, int seconds) {
      String path = url.substring(url.indexOf("/files/"));
      SlowBody[] self = new SlowBody[1];
      self[0] =
          new SlowBody(
              () -> {
                try (Socket s = connect(port)) {
                  s.setSoTimeout(20_000);
                  OutputStream out = s.getOutputStream();
                  out.write(("PATCH " + path + " HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\n"
                      + "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                      + "Content-Length: " + length + "\r\n\r\n")
                      .getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                  byte[] part = new byte[length / seconds];
                  for (int i = 0; i < seconds; i++) {
                    out.write(part);
                    out.flush();
                    Thread.sleep(1000);
                  }
                  byte[] head = s.getInputStream().readNBytes(12);
                  self[0].status =
                      Integer.parseInt(new String(head, StandardCharsets.US_ASCII).substring(9));
                } catch (Exception e) {
                  self[0].failure = e;
                }
              });
      self[0].thread.start();
      return self[0];
    }

    int await() throws InterruptedException {
      thread.join(30_000);
      if (failure != null) {
        throw new AssertionError("slow PATCH failed", failure);
      }
      return status;
    }
  }
}
