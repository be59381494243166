package dev.forgeupload.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.embedded.EmbeddedS3;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Helpers for the pipeline tests: raw tus and API requests over java.net.http, state polling with
 * deadlines, SHA-256, and a MinIO client to look into the bucket behind the server's back.
 */
final class Pipe {
  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  static final ObjectMapper JSON = new ObjectMapper();
  static final String OCTET = "application/offset+octet-stream";
  static final int MIB = 1 << 20;

  private Pipe() {}

  // ---- data

  static byte[] randomBytes(int n, long seed) {
    return TestData.randomBytes(n, seed);
  }

  static String sha256(byte[] data) {
    return TestData.sha256(data);
  }

  static MessageDigest digest() {
    return TestData.sha256();
  }


  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  // ---- HTTP

  static HttpRequest.Builder tus(String url) {
    return HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(120))
        .header("Tus-Resumable", "1.0.0");
  }

  static HttpResponse<byte[]> send(HttpRequest req) {
    try {
      return HTTP.send(req, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(req.method() + " " + req.uri() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  /** POST /files/ (optionally with a filename in the metadata); returns the absolute upload URL. */
  static String create(String baseUrl, long length, String filename) {
    HttpRequest.Builder b =
        tus(baseUrl + "/files/")
            .header("Upload-Length", Long.toString(length))
            .POST(HttpRequest.BodyPublishers.noBody());
    if (filename != null) {
      b.header("Upload-Metadata", "filename " + b64(filename));
    }
    HttpResponse<byte[]> r = send(b.build());
    if (r.statusCode() != 201) {
      throw new AssertionError("POST /files/ -> " + r.statusCode() + " " + text(r));
    }
    return URI.create(baseUrl + "/files/")
        .resolve(r.headers().firstValue("Location").orElseThrow())
        .toString();
  }

  static HttpResponse<byte[]> patch(String uploadUrl, long offset, byte[] data, int from, int n) {
    return send(
        tus(uploadUrl)
            .header("Content-Type", OCTET)
            .header("Upload-Offset", Long.toString(offset))
            .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(data, from, n))
            .build());
  }

  static HttpResponse<byte[]> head(String uploadUrl) {
    return send(tus(uploadUrl).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
  }

  /** Creates an upload and sends all bytes in one PATCH (asserting 204); returns its id. */
  static String upload(String baseUrl, byte[] data, String filename) {
    String url = create(baseUrl, data.length, filename);
    HttpResponse<byte[]> r = patch(url, 0, data, 0, data.length);
    if (r.statusCode() != 204) {
      throw new AssertionError("PATCH " + url + " -> " + r.statusCode() + " " + text(r));
    }
    return idOf(url);
  }

  static String idOf(String uploadUrl) {
    return uploadUrl.substring(uploadUrl.lastIndexOf('/') + 1);
  }

  static HttpResponse<byte[]> api(String baseUrl, String method, String path) {
    return send(
        HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1" + path))
            .timeout(Duration.ofSeconds(120))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build());
  }

  static HttpResponse<byte[]> content(String baseUrl, String id, String range) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/uploads/" + id + "/content"))
            .timeout(Duration.ofSeconds(120))
            .GET();
    if (range != null) {
      b.header("Range", range);
    }
    return send(b.build());
  }

  static JsonNode json(HttpResponse<byte[]> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON (" + r.statusCode() + "): " + text(r), e);
    }
  }

  /** GET /api/v1/uploads/{id} as JSON (asserting 200). */
  static JsonNode upload(String baseUrl, String id) {
    HttpResponse<byte[]> r = api(baseUrl, "GET", "/uploads/" + id);
    if (r.statusCode() != 200) {
      throw new AssertionError("GET upload " + id + " -> " + r.statusCode() + " " + text(r));
    }
    return json(r);
  }

  static String state(String baseUrl, String id) {
    return upload(baseUrl, id).path("state").asText();
  }

  /**
   * Polls the API until the upload is in {@code want}; fails at once when it reaches a state in
   * {@code never} (for example {@code failed} when waiting for {@code stored}).
   */
  static JsonNode awaitState(
      String baseUrl, String id, String want, Duration timeout, Set<String> never) {
    return poll(
        "upload " + id + " in state " + want,
        timeout,
        () -> upload(baseUrl, id),
        j -> {
          String s = j.path("state").asText();
          if (never.contains(s)) {
            throw new AssertionError("upload " + id + " reached " + s + " while waiting for "
                + want + ": " + j);
          }
          return s.equals(want);
        });
  }

  static JsonNode awaitStored(String baseUrl, String id, Duration timeout) {
    return awaitState(baseUrl, id, "stored", timeout, Set.of("failed", "deleted", "expired"));
  }

  // ---- polling

  static <T> T poll(String what, Duration timeout, Supplier<T> probe, Predicate<T> ok) {
    return poll(what, timeout, Duration.ofMillis(100), probe, ok);
  }

  /** Probes until {@code ok} accepts the value or the deadline passes (then fails with the last). */
  static <T> T poll(
      String what, Duration timeout, Duration every, Supplier<T> probe, Predicate<T> ok) {
    return Poll.until(what, timeout, every, probe, ok);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ---- PostgreSQL

  /** The states an upload went through, oldest first (the upload_events timeline). */
  static List<String> timeline(String jdbcUrl, String id) {
    List<String> out = new ArrayList<>();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl, "postgres", "");
        java.sql.PreparedStatement s =
            c.prepareStatement("SELECT state FROM upload_events WHERE upload_id = ? ORDER BY id")) {
      s.setObject(1, java.util.UUID.fromString(id));
      try (java.sql.ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** The upload's state straight from PostgreSQL. */
  static String dbState(String jdbcUrl, String id) {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl, "postgres", "");
        java.sql.PreparedStatement s = c.prepareStatement("SELECT state FROM uploads WHERE id = ?")) {
      s.setObject(1, java.util.UUID.fromString(id));
      try (java.sql.ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- S3

  static MinioClient minio(EmbeddedS3 s3) {
    return MinioClient.builder()
        .endpoint(s3.endpoint())
        .credentials(s3.accessKey(), s3.secretKey())
        .region("us-east-1")
        .build();
  }

  static byte[] object(MinioClient c, String bucket, String key) {
    try (InputStream in =
        c.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
      return in.readAllBytes();
    } catch (Exception e) {
      throw new AssertionError("S3 get " + bucket + "/" + key + ": " + e, e);
    }
  }

  /** SHA-256 of an object, streamed (for objects too big to hold twice). */
  static String objectSha256(MinioClient c, String bucket, String key) {
    MessageDigest md = digest();
    try (InputStream in =
        c.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    } catch (Exception e) {
      throw new AssertionError("S3 get " + bucket + "/" + key + ": " + e, e);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Every object key in the bucket under the prefix (recursive). */
  static List<String> keys(MinioClient c, String bucket, String prefix) {
    List<String> out = new ArrayList<>();
    try {
      for (Result<Item> r :
          c.listObjects(
              ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
        out.add(r.get().objectName());
      }
    } catch (Exception e) {
      throw new AssertionError("S3 list " + bucket + "/" + prefix + ": " + e, e);
    }
    return out;
  }

  /** Every key in the bucket that contains the upload id as a path segment. */
  static List<String> keysOf(MinioClient c, String bucket, String id) {
    return keys(c, bucket, "uploads/").stream().filter(k -> k.contains("/" + id + "/")).toList();
  }
}
