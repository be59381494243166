package dev.forgeupload.client;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The tus 1.0.0 requests the uploader needs (OPTIONS, creation, HEAD, PATCH, concatenation) on
 * the JDK's HTTP client, HTTP/1.1, one client for the whole run. PATCH bodies stream from the
 * file with {@code Content-Length} (see {@link RegionBody}); everything else is small.
 */
final class TusClient {
  static final String TUS_VERSION = "1.0.0";
  private static final String OCTET = "application/offset+octet-stream";
  /** Every small request (and a PATCH's response once its body is out) must answer by then. */
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** A PATCH whose connection takes no byte for this long is given up (and retried). */
  static final Duration STALL = Duration.ofSeconds(60);

  /** What HEAD says of an upload. */
  record Head(long offset, long length) {}

  private final HttpClient http;
  private final URI endpoint;
  private final String token;

  TusClient(URI endpoint, String token) {
    this.endpoint = endpoint;
    this.token = token;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  URI endpoint() {
    return endpoint;
  }

  /** The {@code Tus-Extension}s the server announces. */
  Set<String> extensions() throws TusException, InterruptedException {
    HttpResponse<String> r =
        send("OPTIONS", request(endpoint).method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
    if (r.statusCode() != 200 && r.statusCode() != 204) {
      throw TusException.of("OPTIONS " + endpoint, r);
    }
    return r.headers().firstValue("Tus-Extension").stream()
        .flatMap(v -> Arrays.stream(v.split(",")))
        .map(String::trim)
        .collect(Collectors.toSet());
  }

  /**
   * Creates an upload of {@code length} bytes; {@code partial} for a part of a concatenation.
   * Returns its absolute URL.
   */
  URI create(long length, Map<String, String> metadata, boolean partial)
      throws TusException, InterruptedException {
    HttpRequest.Builder b =
        request(endpoint)
            .header("Upload-Length", Long.toString(length))
            .POST(HttpRequest.BodyPublishers.noBody());
    if (!metadata.isEmpty()) {
      b.header("Upload-Metadata", metadata(metadata));
    }
    if (partial) {
      b.header("Upload-Concat", "partial");
    }
    return created(send("POST", b));
  }

  /** Creates the final upload that concatenates {@code parts} in order. */
  URI createFinal(List<URI> parts, Map<String, String> metadata)
      throws TusException, InterruptedException {
    String concat =
        "final;" + parts.stream().map(URI::toString).collect(Collectors.joining(" "));
    HttpRequest.Builder b =
        request(endpoint).header("Upload-Concat", concat).POST(HttpRequest.BodyPublishers.noBody());
    if (!metadata.isEmpty()) {
      b.header("Upload-Metadata", metadata(metadata));
    }
    return created(send("POST", b));
  }

  private URI created(HttpResponse<String> r) throws TusException {
    if (r.statusCode() != 201) {
      throw TusException.of("creating the upload", r);
    }
    String location =
        r.headers().firstValue("Location")
            .orElseThrow(() -> TusException.fatal("the server created an upload without a Location"));
    try {
      return endpoint.resolve(location);
    } catch (IllegalArgumentException e) {
      throw TusException.fatal("the server answered a malformed Location: " + location);
    }
  }

  /** HEAD: the upload's offset and length. */
  Head head(URI upload) throws TusException, InterruptedException {
    HttpResponse<String> r =
        send("HEAD", request(upload).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    if (r.statusCode() != 200 && r.statusCode() != 204) {
      throw TusException.of("HEAD " + upload, r);
    }
    long offset = header(r, "Upload-Offset");
    long length = r.headers().firstValue("Upload-Length").map(TusClient::number).orElse(-1L);
    return new Head(offset, length);
  }

  /**
   * PATCH at {@code offset}, streaming {@code body} ({@code length} bytes); returns the server's
   * new offset.
   */
  long patch(URI upload, long offset, RegionBody body, long length)
      throws TusException, InterruptedException {
    HttpRequest req =
        request(upload)
            .header("Upload-Offset", Long.toString(offset))
            .header("Content-Type", OCTET)
            .method("PATCH", HttpRequest.BodyPublishers.fromPublisher(body, length))
            .build();
    CompletableFuture<HttpResponse<String>> exchange =
        http.sendAsync(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    HttpResponse<String> r;
    try {
      body.pump(exchange, STALL);
      r = exchange.get(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (RegionBody.Stalled e) {
      body.abort(e);
      exchange.cancel(true);
      throw TusException.network("PATCH " + upload, e);
    } catch (IOException e) {
      body.abort(e);
      exchange.cancel(true);
      throw TusException.fatal("reading the file: " + e.getMessage());
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw TusException.network("PATCH " + upload + ": no answer within " + TIMEOUT.toSeconds()
          + " s", null);
    } catch (ExecutionException e) {
      throw TusException.network("PATCH " + upload, e.getCause());
    } catch (InterruptedException e) {
      body.abort(e);
      exchange.cancel(true);
      throw e;
    }
    if (r.statusCode() != 204) {
      throw TusException.of("PATCH " + upload, r);
    }
    return header(r, "Upload-Offset");
  }

  private HttpRequest.Builder request(URI uri) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri).header("Tus-Resumable", TUS_VERSION).timeout(TIMEOUT);
    if (token != null && !token.isEmpty()) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private HttpResponse<String> send(String what, HttpRequest.Builder b)
      throws TusException, InterruptedException {
    HttpRequest req = b.build();
    try {
      return http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw TusException.network(what + " " + req.uri(), e);
    }
  }

  private static long header(HttpResponse<String> r, String name) throws TusException {
    String v = r.headers().firstValue(name)
        .orElseThrow(() -> TusException.fatal("the server's answer has no " + name));
    long n = number(v);
    if (n < 0) {
      throw TusException.fatal("the server's " + name + " is not a number: " + v);
    }
    return n;
  }

  private static long number(String v) {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** {@code Upload-Metadata}: {@code key base64(value)} pairs, in the map's order. */
  static String metadata(Map<String, String> m) {
    Map<String, String> ordered = new LinkedHashMap<>(m);
    return ordered.entrySet().stream()
        .map(e -> e.getKey() + " " + Base64.getEncoder()
            .encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8)))
        .collect(Collectors.joining(","));
  }
}
