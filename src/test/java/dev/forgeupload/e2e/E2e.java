package dev.forgeupload.e2e;

import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Small helpers for the end-to-end tests: raw tus requests, hashing, polling, lock rows. */
final class E2e {
  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private E2e() {}

  // ---- data

  /** Deterministic pseudo-random bytes (incompressible, reproducible from the seed). */
  static byte[] randomBytes(int n, long seed) {
    return TestData.randomBytes(n, seed);
  }

  static String sha256(byte[] data) {
    return TestData.sha256(data);
  }

  static MessageDigest digest() {
    return TestData.sha256();
  }


  // ---- tus over java.net.http

  static HttpRequest.Builder tus(String url) {
    return HttpRequest.newBuilder(URI.create(url))
        .timeout(REQUEST_TIMEOUT)
        .header("Tus-Resumable", "1.0.0");
  }

  /** POST /files/ with Upload-Length; returns the upload URL (absolute). */
  static String create(String filesUrl, long length) {
    HttpResponse<String> r =
        send(
            tus(filesUrl)
                .header("Upload-Length", Long.toString(length))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    if (r.statusCode() != 201) {
      throw new AssertionError("POST " + filesUrl + " -> " + r.statusCode() + " " + r.body());
    }
    String location = r.headers().firstValue("Location").orElseThrow();
    return URI.create(filesUrl).resolve(location).toString();
  }

  static HttpResponse<String> head(String uploadUrl) {
    return send(tus(uploadUrl).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
  }

  /** The server's Upload-Offset from HEAD; fails on anything but 200. */
  static long offset(String uploadUrl) {
    HttpResponse<String> r = head(uploadUrl);
    if (r.statusCode() != 200) {
      throw new AssertionError("HEAD " + uploadUrl + " -> " + r.statusCode());
    }
    return Long.parseLong(r.headers().firstValue("Upload-Offset").orElseThrow());
  }

  /** PATCH with Content-Length carrying {@code data[from, from+count)} at the given offset. */
  static HttpResponse<String> patch(String uploadUrl, long offset, byte[] data, int from, int count) {
    return send(
        tus(uploadUrl)
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Offset", Long.toString(offset))
            .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(data, from, count))
            .build());
  }

  /** SHA-256 and length of GET {uploadUrl} (the download of a finished upload). */
  static Download download(String uploadUrl) {
    HttpResponse<InputStream> r;
    try {
      r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(uploadUrl)).timeout(REQUEST_TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    MessageDigest md = digest();
    long n = 0;
    try (InputStream in = r.body()) {
      byte[] buf = new byte[1 << 16];
      int k;
      while ((k = in.read(buf)) > 0) {
        md.update(buf, 0, k);
        n += k;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Download(r.statusCode(), n, HexFormat.of().formatHex(md.digest()));
  }

  record Download(int status, long length, String sha256) {}

  static HttpResponse<String> send(HttpRequest req) {
    try {
      return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(req.method() + " " + req.uri() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static UUID idOf(String uploadUrl) {
    return UUID.fromString(uploadUrl.substring(uploadUrl.lastIndexOf('/') + 1));
  }

  // ---- polling

  /**
   * Probes until {@code ok} accepts the value or the timeout passes; returns the accepted value or
   * fails naming what was awaited and the last value seen.
   */
  static <T> T poll(String what, Duration timeout, Supplier<T> probe, Predicate<T> ok) {
    return Poll.until(what, timeout, Duration.ofMillis(100), probe, ok);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }

  // ---- the upload_locks table

  record LockRow(String holder, double heartbeatAgeSeconds, boolean releaseRequested) {}

  static Optional<LockRow> lockRow(String jdbcUrl, UUID uploadId) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement s =
            c.prepareStatement(
                "SELECT holder, extract(epoch FROM now() - heartbeat_at), release_requested"
                    + " FROM upload_locks WHERE upload_id = ?")) {
      s.setObject(1, uploadId);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new LockRow(rs.getString(1), rs.getDouble(2), rs.getBoolean(3)));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
