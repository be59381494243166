package dev.forgeupload.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP/1.1 over a plain socket, byte for byte: what {@code java.net.http} refuses or cannot send
 * (malformed targets and escapes, CR/LF or NUL in headers, duplicate or restricted headers,
 * bodies shorter or longer than declared, chunked bodies with trailers, a client that pauses,
 * half-closes or goes away mid-body). One response parser (Content-Length, chunked and
 * close-delimited bodies; none for HEAD, 1xx, 204 and 304) and one read timeout: a read that
 * stalls past it fails as {@link Hang}, "server hung".
 *
 * <p>Three ways to talk: {@link #exchange} sends a request and reads its answer (the body is
 * written from a second thread, so an early answer such as a 413 is read even while the server
 * refuses the rest); {@link #connect} gives a {@link Connection} to write and read step by step
 * (keep-alive, 100-continue, trickling, aborting); {@link Request#stream} sends a body at a fixed
 * rate from its own thread while the test acts (kills the server, stops it, waits for a stall).
 */
public final class RawHttp {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  private static final byte[] CRLF = {'\r', '\n'};

  private final String host;
  private final int port;
  private final Duration timeout;

  public RawHttp(String host, int port, Duration timeout) {
    this.host = host;
    this.port = port;
    this.timeout = timeout;
  }

  public RawHttp(String host, int port) {
    this(host, port, DEFAULT_TIMEOUT);
  }

  /** A client of the server at {@code baseUrl} ({@code http://host:port}). */
  public RawHttp(String baseUrl) {
    this(URI.create(baseUrl).getHost(), URI.create(baseUrl).getPort(), DEFAULT_TIMEOUT);
  }

  public RawHttp withTimeout(Duration readTimeout) {
    return new RawHttp(host, port, readTimeout);
  }

  /** The Host header a request to this server carries: {@code host:port}. */
  public String hostHeader() {
    return host + ":" + port;
  }

  public Duration timeout() {
    return timeout;
  }

  /** The raw path (and query) of a URL, as a request target; a path is returned as it is. */
  public static String target(String pathOrUrl) {
    if (!pathOrUrl.startsWith("http://") && !pathOrUrl.startsWith("https://")) {
      return pathOrUrl;
    }
    URI u = URI.create(pathOrUrl);
    return u.getRawQuery() == null ? u.getRawPath() : u.getRawPath() + "?" + u.getRawQuery();
  }

  // ---------------------------------------------------------------- the parts of a request

  /** The server did not answer (nor close) within the timeout. */
  public static final class Hang extends AssertionError {
    private static final long serialVersionUID = 1L;

    Hang(String message) {
      super(message);
    }
  }

  /** One header as sent: any bytes in the value (and any text in the name). */
  public record Header(String name, byte[] value) {
    public static Header of(String name, String value) {
      return new Header(name, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return name + ": " + printable(value);
    }
  }

  /**
   * A request head built header by header, sent as written: the request line, {@code Host} (this
   * server's, unless {@link #host} changes or drops it), the headers in order, {@code Connection:
   * close} (unless {@link #keepAlive}), and the blank line.
   */
  public final class Request {
    private final String requestLine;
    private final boolean headRequest;
    private final List<Header> headers = new ArrayList<>();
    private String hostValue = hostHeader();
    private boolean keepAlive;
    private byte[] body = new byte[0];
    private boolean halfClose;

    private Request(String method, String target) {
      this.requestLine = method + " " + target + " HTTP/1.1";
      this.headRequest = method.equals("HEAD");
    }

    public Request header(String name, String value) {
      headers.add(Header.of(name, value));
      return this;
    }

    public Request header(String name, long value) {
      return header(name, Long.toString(value));
    }

    public Request header(String name, byte[] value) {
      headers.add(new Header(name, value));
      return this;
    }

    public Request headers(List<Header> more) {
      headers.addAll(more);
      return this;
    }

    /** The Host header's value; null sends none. */
    public Request host(String value) {
      this.hostValue = value;
      return this;
    }

    /** No {@code Connection: close}: for several requests on one {@link Connection}. */
    public Request keepAlive() {
      this.keepAlive = true;
      return this;
    }

    /** The bytes after the head, sent as they are (frame them with a header or {@link #chunked}). */
    public Request body(byte[] bytes) {
      this.body = bytes;
      return this;
    }

    /** After the body the client half-closes: a body cut short, the client went away. */
    public Request halfClose() {
      this.halfClose = true;
      return this;
    }

    public List<Header> headerList() {
      return List.copyOf(headers);
    }

    /** The request head as bytes. */
    public byte[] head() {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.writeBytes(requestLine.getBytes(StandardCharsets.UTF_8));
      b.writeBytes(CRLF);
      if (hostValue != null) {
        b.writeBytes(("Host: " + hostValue).getBytes(StandardCharsets.UTF_8));
        b.writeBytes(CRLF);
      }
      for (Header h : headers) {
        b.writeBytes(h.name().getBytes(StandardCharsets.UTF_8));
        b.writeBytes(": ".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(h.value());
        b.writeBytes(CRLF);
      }
      if (!keepAlive) {
        b.writeBytes("Connection: close".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(CRLF);
      }
      b.writeBytes(CRLF);
      return b.toByteArray();
    }

    /** Sends the request and reads one response. */
    public Response send() {
      return exchange(head(), body, halfClose, headRequest);
    }

    /** Connects and writes the head (not the body): the test writes the rest. */
    public Connection open() {
      Connection c = connect();
      c.write(head());
      c.describe(requestLine);
      return c;
    }

    /**
     * Writes the head, then {@code data[from, from + count)} from a thread of its own at {@code
     * bytesPerSecond} in 64 KiB pieces; after the last byte (or the first {@code stallAfter}
     * bytes: a client that stalls with the connection left open) it reads the response.
     */
    public Streaming stream(
        byte[] data, int from, int count, long bytesPerSecond, long stallAfter) {
      return new Streaming(this, data, from, count, bytesPerSecond, stallAfter);
    }

    public Streaming stream(byte[] data, int from, int count, long bytesPerSecond) {
      return stream(data, from, count, bytesPerSecond, Long.MAX_VALUE);
    }

    @Override
    public String toString() {
      return requestLine + " " + headers + (body.length > 0 ? " + " + body.length + " bytes" : "");
    }
  }

  /** A request to build: {@code target} goes into the request line exactly as given. */
  public Request request(String method, String target) {
    return new Request(method, target);
  }

  /** A tus PATCH head: Tus-Resumable, Upload-Offset and the tus content type; add the framing. */
  public Request patch(String pathOrUrl, long offset) {
    return request("PATCH", target(pathOrUrl))
        .header("Tus-Resumable", TusHttp.TUS_VERSION)
        .header("Upload-Offset", offset)
        .header("Content-Type", TusHttp.OCTET);
  }

  /** {@code data} as a chunked body in pieces of {@code piece} bytes, then the trailer lines. */
  public static byte[] chunked(byte[] data, int piece, String... trailers) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int i = 0; i < data.length; i += piece) {
      int n = Math.min(piece, data.length - i);
      b.writeBytes(Integer.toHexString(n).getBytes(StandardCharsets.US_ASCII));
      b.writeBytes(CRLF);
      b.write(data, i, n);
      b.writeBytes(CRLF);
    }
    b.writeBytes("0".getBytes(StandardCharsets.US_ASCII));
    b.writeBytes(CRLF);
    for (String t : trailers) {
      b.writeBytes(t.getBytes(StandardCharsets.UTF_8));
      b.writeBytes(CRLF);
    }
    b.writeBytes(CRLF);
    return b.toByteArray();
  }

  // ---------------------------------------------------------------- one exchange

  /** Sends {@code head} exactly as written (ISO-8859-1, blank line included) and {@code body}. */
  public Response exchange(String head, byte[] body) {
    return exchange(head.getBytes(StandardCharsets.ISO_8859_1), body, false,
        head.startsWith("HEAD "));
  }

  /**
   * Sends {@code head} then {@code body} (from a second thread, so that an early answer is read
   * while the server refuses the rest), half-closing afterwards with {@code halfClose}, and reads
   * one response; {@code headRequest}: it has no body whatever its Content-Length says. A
   * connection closed or reset without an answer is status -1.
   */
  public Response exchange(byte[] head, byte[] body, boolean halfClose, boolean headRequest) {
    try (Connection c = connect()) {
      c.describe(firstLine(head));
      Thread writer =
          new Thread(
              () -> {
                try {
                  c.out.write(head);
                  c.out.write(body);
                  c.out.flush();
                  if (halfClose) {
                    c.socket.shutdownOutput();
                  }
                } catch (IOException e) {
                  // the server answered early (413 before the body) and closed: read its answer
                }
              },
              "raw-http-writer");
      writer.setDaemon(true);
      writer.start();
      Response r = c.read(headRequest);
      c.close();
      join(writer);
      return r;
    }
  }

  private static void join(Thread t) {
    try {
      t.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- a connection

  /** A new connection, with the read timeout set; nothing written yet. */
  public Connection connect() {
    try {
      Socket s = new Socket(host, port);
      s.setSoTimeout((int) timeout.toMillis());
      return new Connection(s);
    } catch (IOException e) {
      throw new UncheckedIOException("connect to " + hostHeader() + ": " + e, e);
    }
  }

  /** One socket to the server: write what you like, read responses with the one parser. */
  public final class Connection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private volatile String what = "a request";

    private Connection(Socket socket) throws IOException {
      this.socket = socket;
      this.out = socket.getOutputStream();
      this.in = socket.getInputStream();
    }

    private void describe(String requestLine) {
      this.what = requestLine;
    }

    public Socket socket() {
      return socket;
    }

    /** Writes and flushes; fails (unchecked) once the server has closed or reset. */
    public Connection write(byte[] bytes) {
      return write(bytes, 0, bytes.length);
    }

    public Connection write(byte[] bytes, int from, int count) {
      try {
        out.write(bytes, from, count);
        out.flush();
        return this;
      } catch (IOException e) {
        throw new UncheckedIOException("write to " + hostHeader() + " (" + what + "): " + e, e);
      }
    }

    /** Writes {@code text} as ISO-8859-1 (a head, a chunk header); the first line names it. */
    public Connection write(String text) {
      if (text.contains(" HTTP/1.")) {
        describe(firstLine(text.getBytes(StandardCharsets.ISO_8859_1)));
      }
      return write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** True once the server sent something (an answer, before the body is all there). */
    public boolean answered() {
      try {
        return in.available() > 0;
      } catch (IOException e) {
        return true;
      }
    }

    /** No more bytes from the client, the connection stays open for the answer. */
    public void halfClose() {
      try {
        socket.shutdownOutput();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Reads one response (status -1 when the server closed or reset without one). */
    public Response read() {
      return read(false);
    }

    public Response read(boolean headRequest) {
      try {
        return parse(in, headRequest);
      } catch (SocketTimeoutException e) {
        throw new Hang(
            "server hung: no answer within " + timeout.toMillis() + " ms to " + what + " on "
                + hostHeader());
      } catch (IOException e) {
        return new Response(-1, "", List.of(), new byte[0], e.toString());
      }
    }

    /** Closes the socket (mid-body: the client went away). */
    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  // ---------------------------------------------------------------- streaming

  /**
   * One request whose body is sent at a fixed rate by a thread of its own (see {@link
   * Request#stream}); the test meanwhile reads {@link #sent()} and waits for the end.
   */
  public final class Streaming implements AutoCloseable {
    private static final int PIECE = 64 * 1024;

    private final Connection connection;
    private final Request request;
    private final byte[] data;
    private final int from;
    private final int count;
    private final long bytesPerSecond;
    private final long stallAfter;
    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private final CountDownLatch done = new CountDownLatch(1);
    private final CountDownLatch stalled = new CountDownLatch(1);
    private volatile Response response;
    private volatile Throwable error;
    private volatile long endedNanos;

    private Streaming(
        Request request, byte[] data, int from, int count, long bytesPerSecond, long stallAfter) {
      this.request = request;
      this.data = data;
      this.from = from;
      this.count = count;
      this.bytesPerSecond = bytesPerSecond;
      this.stallAfter = stallAfter;
      this.connection = connect();
      try {
        // small buffers: what sent() counts is close to what the server has been given
        connection.socket.setTcpNoDelay(true);
        connection.socket.setSendBufferSize(PIECE);
      } catch (IOException e) {
        connection.close();
        throw new UncheckedIOException(e);
      }
      connection.describe(request.requestLine);
      connection.write(request.head());
      thread = new Thread(this::run, "raw-http-streaming");
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      long t0 = System.nanoTime();
      try {
        int pos = 0;
        while (pos < count) {
          if (pos >= stallAfter) {
            stalled.countDown(); // send nothing more, keep the connection: the server decides
            break;
          }
          int n = (int) Math.min(Math.min(PIECE, count - pos), stallAfter - pos);
          connection.out.write(data, from + pos, n);
          pos += n;
          sent.set(pos);
          long wait = t0 + (long) (pos * 1e9 / bytesPerSecond) - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
        connection.out.flush();
        response = connection.read(request.headRequest);
      } catch (Throwable t) {
        error = t;
      } finally {
        endedNanos = System.nanoTime();
        done.countDown();
      }
    }

    /** Bytes of the body written to the socket so far (the server cannot have more). */
    public long sent() {
      return sent.get();
    }

    /** True once the stalling client stopped sending. */
    public boolean awaitStalled(long timeoutMillis) throws InterruptedException {
      return stalled.await(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** Waits for the request to end (answered, or the connection failed). */
    public boolean awaitEnd(long timeoutMillis) throws InterruptedException {
      return done.await(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    public boolean ended() {
      return done.getCount() == 0;
    }

    public long endedNanos() {
      return endedNanos;
    }

    /** The response once ended and answered (status -1: closed without one), else null. */
    public Response response() {
      return response;
    }

    /** The status line of the answer; empty when the server closed without one. */
    public String statusLine() {
      Response r = response;
      return r == null ? null : r.statusLine();
    }

    public Throwable error() {
      return error;
    }

    @Override
    public void close() {
      connection.close();
    }

    @Override
    public String toString() {
      return "Streaming[" + request.requestLine + ", sent=" + sent() + "/" + count + ", status="
          + statusLine() + ", error=" + error + "]";
    }
  }

  // ---------------------------------------------------------------- the response

  /**
   * A response as read off the wire: {@code status} -1 (and {@code error} saying why) when the
   * server closed or reset the connection without answering.
   */
  public record Response(
      int status, String statusLine, List<String> headerLines, byte[] body, String error) {
    /** Every value of the header (case-insensitive name) joined by ", "; null when absent. */
    public String header(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      String value = null;
      for (String line : headerLines) {
        if (line.toLowerCase(Locale.ROOT).startsWith(prefix)) {
          String v = line.substring(prefix.length()).strip();
          value = value == null ? v : value + ", " + v;
        }
      }
      return value;
    }

    /** Headers by lower-case name, repeated ones joined by ", ". */
    public Map<String, String> headers() {
      Map<String, String> m = new LinkedHashMap<>();
      for (String line : headerLines) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          m.merge(line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
              line.substring(colon + 1).strip(), (a, b) -> a + ", " + b);
        }
      }
      return m;
    }

    /** The header names in the order sent (repeats included). */
    public List<String> headerNames() {
      List<String> names = new ArrayList<>();
      for (String line : headerLines) {
        int colon = line.indexOf(':');
        names.add(colon < 0 ? line : line.substring(0, colon));
      }
      return names;
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return status == -1
          ? "no answer (" + error + ")"
          : status + " " + headerLines + " " + printable(body);
    }
  }

  private static Response parse(InputStream in, boolean headRequest) throws IOException {
    String statusLine = line(in);
    if (statusLine == null) {
      return new Response(-1, "", List.of(), new byte[0], "closed without an answer");
    }
    String[] parts = statusLine.split(" ");
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("\\d{3}")) {
      throw new AssertionError("not an HTTP response: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    List<String> headers = new ArrayList<>();
    String l;
    while ((l = line(in)) != null && !l.isEmpty()) {
      headers.add(l);
    }
    Response head = new Response(status, statusLine, headers, new byte[0], null);
    if (headRequest || status / 100 == 1 || status == 204 || status == 304) {
      return head;
    }
    byte[] body;
    String cl = head.header("Content-Length");
    if ("chunked".equalsIgnoreCase(head.header("Transfer-Encoding"))) {
      body = dechunk(in, statusLine);
    } else if (cl != null) {
      body = in.readNBytes(parseLength(cl, statusLine));
    } else {
      body = in.readAllBytes(); // close-delimited
    }
    return new Response(status, statusLine, headers, body, null);
  }

  private static int parseLength(String value, String statusLine) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new AssertionError("bad Content-Length '" + value + "' in " + statusLine);
    }
  }

  private static byte[] dechunk(InputStream in, String statusLine) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while (true) {
      String size = line(in);
      if (size == null) {
        throw new IOException("chunked body of " + statusLine + " cut short");
      }
      int n;
      try {
        n = Integer.parseInt(size.split(";")[0].strip(), 16);
      } catch (NumberFormatException e) {
        throw new AssertionError("bad chunk size '" + size + "' in " + statusLine);
      }
      if (n == 0) {
        String t;
        while ((t = line(in)) != null && !t.isEmpty()) {
          // trailers: none of the tests' business
        }
        return b.toByteArray();
      }
      b.write(in.readNBytes(n));
      line(in);
    }
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

  private static String firstLine(byte[] head) {
    String s = new String(head, 0, Math.min(head.length, 300), StandardCharsets.ISO_8859_1);
    int end = s.indexOf('\r');
    return printable((end < 0 ? s : s.substring(0, end)).getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Bytes as text with the unprintable ones escaped, at most 200 of them. */
  public static String printable(byte[] bytes) {
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
