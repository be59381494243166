package dev.forgeupload.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tests' one tus and HTTP client, on {@code java.net.http}: tus requests (creation, deferred
 * length, partial and final uploads, PATCH, HEAD, DELETE, OPTIONS), plain GETs and the JSON API,
 * optionally with a bearer token, all with one default timeout. What {@code java.net.http} cannot
 * send (malformed targets, CR/LF in headers, bodies cut short, trailers) goes through {@link
 * RawHttp}.
 *
 * <p>Instances are immutable: {@link #as(String)} and {@link #withTimeout(Duration)} return a new
 * client sharing the same connection pool. The {@code try...} methods return the response as it
 * came; the others assert the success status (with the body in the message) and return what a
 * test needs next (an upload URL, an offset, a JSON document).
 */
public final class TusHttp {
  public static final String OCTET = "application/offset+octet-stream";
  public static final String TUS_VERSION = "1.0.0";
  /** Every request's timeout (until the response head arrives) unless {@link #withTimeout}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final String token;
  private final Duration timeout;

  private TusHttp(String baseUrl, String token, Duration timeout) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.token = token;
    this.timeout = timeout;
  }

  /** A client of the server at {@code baseUrl} ({@code http://host:port}), without credentials. */
  public TusHttp(String baseUrl) {
    this(baseUrl, null, DEFAULT_TIMEOUT);
  }

  /** The same server with {@code Authorization: Bearer token} on every request (null: none). */
  public TusHttp as(String bearerToken) {
    return new TusHttp(baseUrl, bearerToken, timeout);
  }

  /** The same client with another request timeout. */
  public TusHttp withTimeout(Duration requestTimeout) {
    return new TusHttp(baseUrl, token, requestTimeout);
  }

  public String baseUrl() {
    return baseUrl;
  }

  public String filesUrl() {
    return baseUrl + "/files/";
  }

  /** An absolute URL: {@code pathOrUrl} as it is when absolute, else resolved on the base URL. */
  public String url(String pathOrUrl) {
    return pathOrUrl.startsWith("http://") || pathOrUrl.startsWith("https://")
        ? pathOrUrl
        : baseUrl + pathOrUrl;
  }

  // ---------------------------------------------------------------- requests

  /** A request with this client's timeout and credential, nothing else. */
  public HttpRequest.Builder plain(String pathOrUrl) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(pathOrUrl))).timeout(timeout);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  /** {@link #plain} plus {@code Tus-Resumable: 1.0.0}. */
  public HttpRequest.Builder tus(String pathOrUrl) {
    return plain(pathOrUrl).header("Tus-Resumable", TUS_VERSION);
  }

  public HttpResponse<byte[]> send(HttpRequest.Builder request) {
    return send(request.build());
  }

  public HttpResponse<byte[]> send(HttpRequest request) {
    return send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  private static <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
    try {
      return CLIENT.send(request, body);
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + request.method() + " " + request.uri(), e);
    }
  }

  // ---------------------------------------------------------------- tus: creation

  /** POST /files/ with Upload-Length and, when not null, Upload-Metadata. */
  public HttpResponse<byte[]> tryCreate(long length, String metadata) {
    return send(
        withMetadata(tus("/files/").header("Upload-Length", Long.toString(length)), metadata)
            .POST(HttpRequest.BodyPublishers.noBody()));
  }

  /** {@link #tryCreate}, asserting 201; returns the upload's absolute URL. */
  public String create(long length, String metadata) {
    return created("create", tryCreate(length, metadata));
  }

  public String create(long length) {
    return create(length, null);
  }

  /** POST /files/ with Upload-Defer-Length: 1. */
  public HttpResponse<byte[]> tryCreateDeferred(String metadata) {
    return send(
        withMetadata(tus("/files/").header("Upload-Defer-Length", "1"), metadata)
            .POST(HttpRequest.BodyPublishers.noBody()));
  }

  public String createDeferred(String metadata) {
    return created("create deferred", tryCreateDeferred(metadata));
  }

  public String createDeferred() {
    return createDeferred(null);
  }

  /** POST /files/ with Upload-Concat: partial. */
  public HttpResponse<byte[]> tryCreatePartial(long length, String metadata) {
    return send(
        withMetadata(
                tus("/files/")
                    .header("Upload-Length", Long.toString(length))
                    .header("Upload-Concat", "partial"),
                metadata)
            .POST(HttpRequest.BodyPublishers.noBody()));
  }

  public String createPartial(long length) {
    return created("create partial", tryCreatePartial(length, null));
  }

  /** POST /files/ with {@code Upload-Concat: final;<parts joined by a space>}. */
  public HttpResponse<byte[]> tryCreateFinal(String metadata, List<String> parts) {
    return tryConcat("final;" + String.join(" ", parts), metadata);
  }

  public HttpResponse<byte[]> tryCreateFinal(String metadata, String... parts) {
    return tryCreateFinal(metadata, List.of(parts));
  }

  /** POST /files/ with exactly this Upload-Concat value. */
  public HttpResponse<byte[]> tryConcat(String uploadConcat, String metadata) {
    return send(
        withMetadata(tus("/files/").header("Upload-Concat", uploadConcat), metadata)
            .POST(HttpRequest.BodyPublishers.noBody()));
  }

  public String createFinal(String... parts) {
    return created("create final", tryCreateFinal(null, parts));
  }

  /**
   * creation-with-upload: POST /files/ with Upload-Length = the body's length, the tus content
   * type and the body; {@code metadata} and {@code concat} (an Upload-Concat value) when not null.
   */
  public HttpResponse<byte[]> tryCreateWithBody(byte[] body, String metadata, String concat) {
    HttpRequest.Builder b =
        withMetadata(
            tus("/files/")
                .header("Upload-Length", Integer.toString(body.length))
                .header("Content-Type", OCTET),
            metadata);
    if (concat != null) {
      b.header("Upload-Concat", concat);
    }
    return send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** Creates an upload and sends all of {@code data} in one PATCH (asserting 204); its URL. */
  public String upload(byte[] data, String metadata) {
    String url = create(data.length, metadata);
    HttpResponse<byte[]> r = patch(url, 0, data);
    assertStatus("PATCH " + url, r, 204);
    return url;
  }

  private static HttpRequest.Builder withMetadata(HttpRequest.Builder b, String metadata) {
    if (metadata != null) {
      b.header("Upload-Metadata", metadata);
    }
    return b;
  }

  private String created(String what, HttpResponse<byte[]> r) {
    assertStatus(what, r, 201);
    return location(r);
  }

  // ---------------------------------------------------------------- tus: the rest

  public HttpResponse<byte[]> patch(String url, long offset, byte[] body) {
    return patch(url, offset, body, 0, body.length, Map.of());
  }

  public HttpResponse<byte[]> patch(String url, long offset, byte[] body, Map<String, String> headers) {
    return patch(url, offset, body, 0, body.length, headers);
  }

  /** PATCH carrying {@code data[from, from + count)} at {@code offset}. */
  public HttpResponse<byte[]> patch(String url, long offset, byte[] data, int from, int count) {
    return patch(url, offset, data, from, count, Map.of());
  }

  public HttpResponse<byte[]> patch(
      String url, long offset, byte[] data, int from, int count, Map<String, String> headers) {
    HttpRequest.Builder b =
        tus(url)
            .header("Upload-Offset", Long.toString(offset))
            .header("Content-Type", OCTET)
            .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(data, from, count));
    headers.forEach(b::header);
    return send(b);
  }

  public HttpResponse<byte[]> head(String url) {
    return send(tus(url).method("HEAD", HttpRequest.BodyPublishers.noBody()));
  }

  /** The Upload-Offset a HEAD reports, asserting 200. */
  public long offset(String url) {
    HttpResponse<byte[]> r = head(url);
    assertStatus("HEAD " + url, r, 200);
    return Long.parseLong(
        r.headers()
            .firstValue("Upload-Offset")
            .orElseThrow(() -> new AssertionError("HEAD " + url + ": no Upload-Offset")));
  }

  /** DELETE with Tus-Resumable (the tus termination; the API ignores the header). */
  public HttpResponse<byte[]> delete(String pathOrUrl) {
    return send(tus(pathOrUrl).DELETE());
  }

  /** OPTIONS as a tus client's discovery sends it: no Tus-Resumable. */
  public HttpResponse<byte[]> options(String pathOrUrl) {
    return send(plain(pathOrUrl).method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
  }

  // ---------------------------------------------------------------- GET and the API

  /** GET without Tus-Resumable. */
  public HttpResponse<byte[]> get(String pathOrUrl) {
    return send(plain(pathOrUrl).GET());
  }

  /** GET with these headers, given as name, value pairs ({@code "Range", "bytes=0-9"}). */
  public HttpResponse<byte[]> getWith(String pathOrUrl, String... headerPairs) {
    HttpRequest.Builder b = plain(pathOrUrl).GET();
    if (headerPairs.length % 2 != 0) {
      throw new IllegalArgumentException("headers come in name, value pairs");
    }
    for (int i = 0; i < headerPairs.length; i += 2) {
      b.header(headerPairs[i], headerPairs[i + 1]);
    }
    return send(b);
  }

  /** GET, asserting 200 and a JSON body. */
  public JsonNode getJson(String pathOrUrl) {
    HttpResponse<byte[]> r = get(pathOrUrl);
    assertStatus("GET " + pathOrUrl, r, 200);
    return json(r);
  }

  /** POST with a JSON body ({@code ""}: an empty body, still typed as JSON). */
  public HttpResponse<byte[]> postJson(String pathOrUrl, String json) {
    return send(
        plain(pathOrUrl)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** POST without a body (an API action such as {@code /retry}). */
  public HttpResponse<byte[]> post(String pathOrUrl) {
    return send(plain(pathOrUrl).POST(HttpRequest.BodyPublishers.noBody()));
  }

  /** GET /api/v1/uploads/{id}, asserting 200: the upload as the API shows it. */
  public JsonNode uploadJson(String id) {
    return getJson("/api/v1/uploads/" + id);
  }

  /** The upload's state as the API shows it. */
  public String state(String id) {
    return uploadJson(id).path("state").asText();
  }

  /** Polls the API until the upload is in {@code want}; its JSON then. */
  public JsonNode awaitState(String id, String want, Duration timeout) {
    return awaitState(id, want, timeout, Set.of());
  }

  /**
   * Polls the API until the upload is in {@code want}; fails at once when it reaches a state in
   * {@code never} (for example {@code failed} when waiting for {@code stored}).
   */
  public JsonNode awaitState(String id, String want, Duration timeout, Set<String> never) {
    return Poll.until(
        "upload " + id + " in state " + want,
        timeout,
        Duration.ofMillis(50),
        () -> uploadJson(id),
        j -> {
          String s = j.path("state").asText();
          if (never.contains(s)) {
            throw new AssertionError(
                "upload " + id + " reached " + s + " while waiting for " + want + ": " + j);
          }
          return s.equals(want);
        });
  }

  /** {@link #awaitState} for {@code stored}, failing at once on failed, deleted or expired. */
  public JsonNode awaitStored(String id, Duration timeout) {
    return awaitState(id, "stored", timeout, Set.of("failed", "deleted", "expired"));
  }

  /** GET streamed into SHA-256 and a byte count, for downloads too large to hold. */
  public Download download(String pathOrUrl) {
    HttpResponse<InputStream> r =
        send(plain(pathOrUrl).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    MessageDigest md = TestData.sha256();
    long n = 0;
    try (InputStream in = r.body()) {
      byte[] buf = new byte[1 << 16];
      int k;
      while ((k = in.read(buf)) > 0) {
        md.update(buf, 0, k);
        n += k;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + pathOrUrl + " after " + n + " bytes: " + e, e);
    }
    return new Download(r.statusCode(), n, HexFormat.of().formatHex(md.digest()));
  }

  public record Download(int status, long length, String sha256) {}

  /**
   * A server-sent event stream (GET, returns once the response head is in): its lines are
   * collected on a daemon thread until {@link EventStream#close}.
   */
  public EventStream events(String pathOrUrl) {
    HttpRequest request = plain(pathOrUrl).GET().build();
    HttpResponse<InputStream> r = send(request, HttpResponse.BodyHandlers.ofInputStream());
    return new EventStream(r);
  }

  public static final class EventStream implements AutoCloseable {
    private final HttpResponse<InputStream> response;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private EventStream(HttpResponse<InputStream> response) {
      this.response = response;
      this.reader = new Thread(this::read, "event-stream");
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          synchronized (lines) {
            lines.add(line);
          }
        }
      } catch (IOException e) {
        // closed by close() or by the server
      }
    }

    public HttpResponse<InputStream> response() {
      return response;
    }

    /** The lines received so far. */
    public List<String> lines() {
      synchronized (lines) {
        return List.copyOf(lines);
      }
    }

    @Override
    public void close() {
      try {
        response.body().close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  // ---------------------------------------------------------------- responses

  public static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  public static JsonNode json(HttpResponse<byte[]> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError(
          "not JSON (" + r.statusCode() + " from " + r.request().uri() + "): " + text(r), e);
    }
  }

  /** The Location header resolved on the request's URL (absolute as the server sends it). */
  public static String location(HttpResponse<byte[]> r) {
    String location =
        r.headers()
            .firstValue("Location")
            .orElseThrow(
                () -> new AssertionError("no Location (" + r.statusCode() + "): " + text(r)));
    return r.request().uri().resolve(location).toString();
  }

  /** The last path segment of an upload URL: its id. */
  public static String id(String uploadUrl) {
    return uploadUrl.substring(uploadUrl.lastIndexOf('/') + 1);
  }

  /** The raw path of a URL, as a request target. */
  public static String path(String url) {
    return URI.create(url).getRawPath();
  }

  /** Fails unless {@code r} has {@code status}, naming the request and quoting the body. */
  public static void assertStatus(String what, HttpResponse<byte[]> r, int status) {
    if (r.statusCode() != status) {
      throw new AssertionError(
          what + ": expected " + status + " but was " + r.statusCode() + ": " + text(r));
    }
  }
}
