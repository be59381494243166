package dev.forgeupload.props;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket, byte for byte: what {@code java.net.http} refuses to send (CR/LF,
 * NUL, duplicate or restricted headers, bodies shorter or longer than declared). Reads one
 * response; a read that stalls past the timeout is a hang, reported as {@link Hang}.
 */
final class RawHttp {
  /** The server did not answer (nor close) within the timeout. */
  static final class Hang extends AssertionError {
    private static final long serialVersionUID = 1L;

    Hang(String message) {
      super(message);
    }
  }

  /** One header as sent: any bytes in the value. */
  record Header(String name, byte[] value) {
    static Header of(String name, String value) {
      return new Header(name, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return name + ": " + printable(value);
    }
  }

  /**
   * A response as read off the wire; {@code status} -1 when the server closed the connection
   * without answering.
   */
  record Response(int status, List<String> headerLines, byte[] body) {
    String header(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      for (String line : headerLines) {
        if (line.toLowerCase(Locale.ROOT).startsWith(prefix)) {
          return line.substring(prefix.length()).strip();
        }
      }
      return null;
    }

    List<String> headerNames() {
      List<String> names = new ArrayList<>();
      for (String line : headerLines) {
        int colon = line.indexOf(':');
        names.add(colon < 0 ? line : line.substring(0, colon));
      }
      return names;
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return status + " " + headerLines + " " + printable(body);
    }
  }

  private final String host;
  private final int port;
  private final int timeoutMillis;

  RawHttp(String host, int port, int timeoutMillis) {
    this.host = host;
    this.port = port;
    this.timeoutMillis = timeoutMillis;
  }

  /** The request head (request line, headers, Host and Connection: close) as bytes. */
  byte[] head(String method, String target, List<Header> headers) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes((method + " " + target + " HTTP/1.1\r\n").getBytes(StandardCharsets.UTF_8));
    b.writeBytes(("Host: " + host + ":" + port + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (Header h : headers) {
      b.writeBytes(h.name().getBytes(StandardCharsets.UTF_8));
      b.writeBytes(": ".getBytes(StandardCharsets.US_ASCII));
      b.writeBytes(h.value());
      b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    b.writeBytes("Connection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return b.toByteArray();
  }

  /**
   * Sends {@code head} then {@code body}; with {@code closeOutput} the client half-closes after
   * the body (a body cut short: the client went away). {@code headRequest}: the response has no
   * body whatever its Content-Length says.
   */
  Response exchange(byte[] head, byte[] body, boolean closeOutput, boolean headRequest) {
    try (Socket s = new Socket(host, port)) {
      s.setSoTimeout(timeoutMillis);
      OutputStream out = s.getOutputStream();
      try {
        out.write(head);
        out.write(body);
        out.flush();
        if (closeOutput) {
          s.shutdownOutput();
        }
      } catch (IOException e) {
        // The server answered early (413 before the body) and closed: read what it said.
      }
      return read(s.getInputStream(), headRequest);
    } catch (SocketTimeoutException e) {
      throw new Hang("no answer within " + timeoutMillis + " ms");
    } catch (IOException e) {
      return new Response(-1, List.of(), new byte[0]); // reset without an answer
    }
  }

  private static Response read(InputStream in, boolean headRequest) throws IOException {
    String statusLine = line(in);
    if (statusLine == null) {
      return new Response(-1, List.of(), new byte[0]);
    }
    String[] parts = statusLine.split(" ");
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new AssertionError("not an HTTP response: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    List<String> headers = new ArrayList<>();
    String l;
    while ((l = line(in)) != null && !l.isEmpty()) {
      headers.add(l);
    }
    Response partial = new Response(status, headers, new byte[0]);
    if (headRequest || status == 204 || status == 304) {
      return partial;
    }
    String cl = partial.header("Content-Length");
    byte[] body;
    if (cl != null) {
      body = in.readNBytes(Integer.parseInt(cl));
    } else if ("chunked".equalsIgnoreCase(partial.header("Transfer-Encoding"))) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      while (true) {
        String size = line(in);
        int n = Integer.parseInt(size.split(";")[0].strip(), 16);
        if (n == 0) {
          while ((l = line(in)) != null && !l.isEmpty()) {
            // trailers
          }
          break;
        }
        b.write(in.readNBytes(n));
        line(in);
      }
      body = b.toByteArray();
    } else {
      body = in.readAllBytes();
    }
    return new Response(status, headers, body);
  }

  /** One line; CR LF or a bare LF ends it (a bare CR does not: it would be an injection). */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        byte[] bytes = b.toByteArray();
        int len =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  static String printable(byte[] bytes) {
    StringBuilder s = new StringBuilder();
    int n = Math.min(bytes.length, 200);
    for (int i = 0; i < n; i++) {
      int c = bytes[i] & 0xff;
      s.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
    }
    if (bytes.length > n) {
      s.append("...(").append(bytes.length).append(" bytes)");
    }
    return s.toString();
  }
}
