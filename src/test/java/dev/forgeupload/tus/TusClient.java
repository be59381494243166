package dev.forgeupload.tus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Raw tus over real sockets for the integration tests: {@link HttpClient} for ordinary requests,
 * a plain {@link Socket} for what HttpClient cannot send (trailers, bodies cut short, malformed
 * or restricted headers).
 */
final class TusClient {
  static final String OCTET = "application/offset+octet-stream";

  private final String baseUrl;
  private final HttpClient http;

  TusClient(String baseUrl) {
    this.baseUrl = baseUrl;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  String filesUrl() {
    return baseUrl + "/files/";
  }

  String baseUrl() {
    return baseUrl;
  }

  // ---- HttpClient

  HttpRequest.Builder request(String url) {
    return HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(30))
        .header("Tus-Resumable", "1.0.0");
  }

  HttpResponse<byte[]> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** POST /files/ with Upload-Length and optional metadata; asserts 201, returns the upload URL. */
  String create(long length) {
    return create(length, null);
  }

  String create(long length, String metadataHeader) {
    HttpRequest.Builder b =
        request(filesUrl())
            .header("Upload-Length", Long.toString(length))
            .POST(HttpRequest.BodyPublishers.noBody());
    if (metadataHeader != null) {
      b.header("Upload-Metadata", metadataHeader);
    }
    HttpResponse<byte[]> r = send(b.build());
    assertThat(r.statusCode()).as("create: %s", body(r)).isEqualTo(201);
    return r.headers().firstValue("Location").orElseThrow();
  }

  String createPartial(long length) {
    HttpResponse<byte[]> r =
        send(
            request(filesUrl())
                .header("Upload-Length", Long.toString(length))
                .header("Upload-Concat", "partial")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(r.statusCode()).as("create partial: %s", body(r)).isEqualTo(201);
    return r.headers().firstValue("Location").orElseThrow();
  }

  HttpResponse<byte[]> head(String url) {
    return send(request(url).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
  }

  /** The Upload-Offset a HEAD reports; asserts 200. */
  long offset(String url) {
    HttpResponse<byte[]> r = head(url);
    assertThat(r.statusCode()).as("HEAD %s", url).isEqualTo(200);
    return Long.parseLong(r.headers().firstValue("Upload-Offset").orElseThrow());
  }

  HttpResponse<byte[]> patch(String url, long offset, byte[] body) {
    return patch(url, offset, body, Map.of());
  }

  HttpResponse<byte[]> patch(String url, long offset, byte[] body, Map<String, String> headers) {
    HttpRequest.Builder b =
        request(url)
            .header("Upload-Offset", Long.toString(offset))
            .header("Content-Type", OCTET)
            .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return send(b.build());
  }

  HttpResponse<byte[]> delete(String url) {
    return send(request(url).DELETE().build());
  }

  HttpResponse<byte[]> get(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build());
  }

  HttpResponse<byte[]> get(String url, String headerName, String headerValue) {
    return send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .header(headerName, headerValue)
            .GET()
            .build());
  }

  /** Creates an upload and sends all of {@code data} in one PATCH; returns the upload URL. */
  String upload(byte[] data, String metadataHeader) {
    String url = create(data.length, metadataHeader);
    HttpResponse<byte[]> r = patch(url, 0, data);
    assertThat(r.statusCode()).as("patch: %s", body(r)).isEqualTo(204);
    return url;
  }

  // ---- raw socket

  /** A parsed HTTP/1.1 response read off a raw socket. */
  record RawResponse(int status, Map<String, String> headers, byte[] body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  Socket connect() {
    URI u = URI.create(baseUrl);
    try {
      Socket s = new Socket(u.getHost(), u.getPort());
      s.setSoTimeout(30_000);
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends {@code head} (request line and headers, CRLF-separated, without the blank line) then body. */
  RawResponse raw(String head, byte[] body) {
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      out.write((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return readResponse(s.getInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Host header value for raw requests. */
  String hostHeader() {
    URI u = URI.create(baseUrl);
    return u.getHost() + ":" + u.getPort();
  }

  static String path(String url) {
    return URI.create(url).getRawPath();
  }

  static RawResponse readResponse(InputStream in) throws IOException {
    String statusLine = readLine(in);
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    String line;
    while ((line = readLine(in)) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      headers.merge(
          line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).strip(),
          (a, b) -> a + ", " + b);
    }
    byte[] body;
    String cl = headers.get("content-length");
    if (cl != null) {
      body = in.readNBytes(Integer.parseInt(cl));
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      while (true) {
        String size = readLine(in);
        int n = Integer.parseInt(size.split(";")[0].strip(), 16);
        if (n == 0) {
          while ((line = readLine(in)) != null && !line.isEmpty()) {
            // trailers ignored
          }
          break;
        }
        b.write(in.readNBytes(n));
        readLine(in);
      }
      body = b.toByteArray();
    } else {
      body = new byte[0];
    }
    return new RawResponse(status, headers, body);
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        byte[] bytes = b.toByteArray();
        int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  // ---- data helpers

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  static String digest(String tusAlgorithm, byte[] data) {
    String java =
        switch (tusAlgorithm) {
          case "md5" -> "MD5";
          case "sha1" -> "SHA-1";
          case "sha256" -> "SHA-256";
          case "sha384" -> "SHA-384";
          case "sha512" -> "SHA-512";
          default -> throw new IllegalArgumentException(tusAlgorithm);
        };
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance(java).digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String body(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  static String id(String url) {
    return url.substring(url.lastIndexOf('/') + 1);
  }
}
