package dev.forgeupload.security;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One {@code GET /api/v1/events} over a plain socket, so a test can hold a thousand of them open
 * without a thread each: the request is written at once, the response head read later.
 */
final class RawStream implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private String head;

  private RawStream(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
  }

  /** Connects and sends the request; {@code token} goes into the Authorization header. */
  static RawStream open(int port, String token) {
    return open(port, token, 0);
  }

  /** As {@link #open(int, String)}, with a small receive buffer when {@code receiveBuffer > 0}. */
  static RawStream open(int port, String token, int receiveBuffer) {
    try {
      Socket s = new Socket();
      if (receiveBuffer > 0) {
        s.setReceiveBufferSize(receiveBuffer);
      }
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      RawStream r = new RawStream(s);
      String req =
          "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
              + "Accept: text/event-stream\r\n"
              + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
              + "\r\n";
      s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads the response head (status line and headers); null when none came within the timeout.
   * Throws when the server closed the connection first.
   */
  String head(Duration timeout) throws IOException {
    if (head != null) {
      return head;
    }
    socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try {
      int c;
      int last4 = 0;
      while ((c = in.read()) != -1) {
        b.write(c);
        last4 = (last4 << 8) | c;
        if (last4 == 0x0d0a0d0a) {
          head = b.toString(StandardCharsets.ISO_8859_1);
          return head;
        }
      }
      throw new IOException("closed before a response head: " + b);
    } catch (SocketTimeoutException e) {
      return null;
    }
  }

  /** The response's status; -1 when no head came within the timeout, -2 when it was closed. */
  int status(Duration timeout) {
    String h;
    try {
      h = head(timeout);
    } catch (IOException e) {
      return -2;
    }
    if (h == null) {
      return -1;
    }
    return Integer.parseInt(h.substring(9, 12));
  }

  /**
   * Reads the stream until a line containing {@code text} arrives (true), the server closes it or
   * the time is up (false). A chunked body's size lines are read as lines too, which is harmless.
   */
  boolean awaitLine(String text, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    StringBuilder line = new StringBuilder();
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return false;
      }
      socket.setSoTimeout((int) left);
      int c;
      try {
        c = in.read();
      } catch (SocketTimeoutException e) {
        return false;
      }
      if (c == -1) {
        return false;
      }
      if (c == '\n') {
        if (line.indexOf(text) >= 0) {
          return true;
        }
        line.setLength(0);
      } else {
        line.append((char) c);
      }
    }
  }

  /** Seconds until the server closed the stream, or -1 if it still streams after the timeout. */
  double awaitClose(Duration timeout) throws IOException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    byte[] buf = new byte[4096];
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return -1;
      }
      socket.setSoTimeout((int) left);
      try {
        if (in.read(buf) == -1) {
          return (System.nanoTime() - start) / 1e9;
        }
      } catch (SocketTimeoutException e) {
        return -1;
      } catch (IOException reset) {
        return (System.nanoTime() - start) / 1e9;
      }
    }
  }

  /** The body read so far is not kept; this is the response head only. */
  String headText() {
    return head;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // gone already
    }
  }
}
