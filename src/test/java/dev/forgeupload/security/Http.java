package dev.forgeupload.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** HTTP for the security tests: every request may carry a bearer credential. */
final class Http {
  static final String OCTET = "application/offset+octet-stream";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  final String base;

  Http(String base) {
    this.base = base;
  }

  HttpRequest.Builder req(String pathOrUrl, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl))
            .timeout(Duration.ofSeconds(30))
            .header("Tus-Resumable", "1.0.0");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  HttpResponse<byte[]> send(HttpRequest r) {
    try {
      return client.send(r, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<byte[]> create(String token, long length, String metadata) {
    HttpRequest.Builder b =
        req("/files/", token)
            .header("Upload-Length", Long.toString(length))
            .POST(HttpRequest.BodyPublishers.noBody());
    if (metadata != null) {
      b.header("Upload-Metadata", metadata);
    }
    return send(b.build());
  }

  HttpResponse<byte[]> createDeferred(String token) {
    return send(
        req("/files/", token)
            .header("Upload-Defer-Length", "1")
            .POST(HttpRequest.BodyPublishers.noBody())
            .build());
  }

  HttpResponse<byte[]> patch(String token, String url, long offset, byte[] body) {
    return send(
        req(url, token)
            .header("Upload-Offset", Long.toString(offset))
            .header("Content-Type", OCTET)
            .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(body))
            .build());
  }

  HttpResponse<byte[]> head(String token, String url) {
    return send(req(url, token).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
  }

  HttpResponse<byte[]> get(String token, String url) {
    return send(req(url, token).GET().build());
  }

  HttpResponse<byte[]> delete(String token, String url) {
    return send(req(url, token).DELETE().build());
  }

  HttpResponse<byte[]> postJson(String token, String path, String json) {
    return send(
        req(path, token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  static JsonNode json(HttpResponse<byte[]> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(text(r), e);
    }
  }

  static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  static String location(HttpResponse<byte[]> r) {
    return r.headers().firstValue("Location").orElseThrow(() -> new AssertionError(text(r)));
  }
}
