package dev.forgeupload.objectstore;

import dev.forgeupload.s3staging.S3Parts;
import io.minio.AbortMultipartUploadArgs;
import io.minio.CompleteMultipartUploadArgs;
import io.minio.ComposeObjectArgs;
import io.minio.CreateMultipartUploadArgs;
import io.minio.GetObjectArgs;
import io.minio.Http;
import io.minio.ListMultipartUploadsArgs;
import io.minio.MinioAsyncClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.SourceObject;
import io.minio.StatObjectArgs;
import io.minio.UploadPartArgs;
import io.minio.UploadPartCopyArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.ListMultipartUploadsResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** {@link S3Parts} on any S3 API through the MinIO client's multipart calls. */
public final class MinioS3Parts implements S3Parts {
  private static final long CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final long IO_TIMEOUT_MILLIS = 5 * 60_000;
  private final MinioAsyncClient client;
  private final String bucket;

  public MinioS3Parts(
      String endpoint, String accessKey, String secretKey, String region, String bucket) {
    this.client =
        MinioAsyncClient.builder()
            .endpoint(endpoint)
            .credentials(accessKey, secretKey)
            .region(region)
            .build();
    this.client.setTimeout(CONNECT_TIMEOUT_MILLIS, IO_TIMEOUT_MILLIS, IO_TIMEOUT_MILLIS);
    this.bucket = bucket;
  }

  private static <T> T call(String what, CompletableFuture<T> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("S3 " + what + ": interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw new IOException("S3 " + what + ": " + (c == null ? e : c.getMessage()), c);
    } catch (Exception e) {
      throw new IOException("S3 " + what + ": " + e.getMessage(), e);
    }
  }

  private static String code(IOException e) {
    return e.getCause() instanceof ErrorResponseException r && r.errorResponse() != null
        ? r.errorResponse().code()
        : "";
  }

  @Override
  public String create(String key, String contentType) throws IOException {
    return call("create multipart " + key, client.createMultipartUpload(
        CreateMultipartUploadArgs.builder().bucket(bucket).object(key)
            .headers(new Http.Headers("Content-Type", contentType)).build()))
        .result().uploadId();
  }

  @Override
  public String uploadPart(String key, String uploadId, int number, byte[] data, int len)
      throws IOException {
    return call("upload part " + number + " of " + key, client.uploadPart(
        UploadPartArgs.builder().bucket(bucket).object(key).uploadId(uploadId)
            .partNumber(number).data(data, len).build()))
        .part().etag();
  }

  @Override
  public String copyPart(String key, String uploadId, int number, String sourceKey)
      throws IOException {
    String source = "/" + bucket + "/"
        + URLEncoder.encode(sourceKey, StandardCharsets.UTF_8).replace("+", "%20")
            .replace("%2F", "/");
    try {
      // the client's UploadPartCopyArgs builder cannot instantiate its class (MinIO 9.0.4): the
      // public constructor from compose arguments does the same request
      ComposeObjectArgs target = ComposeObjectArgs.builder().bucket(bucket).object(key)
          .sources(List.of(SourceObject.builder().bucket(bucket).object(sourceKey).build()))
          .build();
      return call("copy part " + number + " of " + key, client.uploadPartCopy(
          new UploadPartCopyArgs(target, uploadId, number,
              new Http.Headers("x-amz-copy-source", source))))
          .part().etag();
    } catch (RuntimeException e) {
      throw new IOException("S3 copy part " + number + " of " + key + ": " + e, e);
    }
  }

  @Override
  public void complete(String key, String uploadId, List<S3Parts.Part> parts)
      throws IOException {
    io.minio.messages.Part[] ps = parts.stream()
        .map(p -> new io.minio.messages.Part(p.number(), p.etag()))
        .toArray(io.minio.messages.Part[]::new);
    call("complete multipart " + key, client.completeMultipartUpload(
        CompleteMultipartUploadArgs.builder().bucket(bucket).object(key).uploadId(uploadId)
            .parts(ps).build()));
  }

  @Override
  public void abort(String key, String uploadId) throws IOException {
    try {
      call("abort multipart " + key, client.abortMultipartUpload(
          AbortMultipartUploadArgs.builder().bucket(bucket).object(key).uploadId(uploadId)
              .build()));
    } catch (IOException e) {
      if (!"NoSuchUpload".equals(code(e))) {
        throw e;
      }
    }
  }

  @Override
  public List<Pending> pending(String prefix) throws IOException {
    List<Pending> out = new ArrayList<>();
    String keyMarker = null;
    String idMarker = null;
    while (true) {
      ListMultipartUploadsArgs.Builder b =
          ListMultipartUploadsArgs.builder().bucket(bucket).prefix(prefix).maxUploads(1000);
      if (keyMarker != null) {
        b.keyMarker(keyMarker).uploadIdMarker(idMarker);
      }
      ListMultipartUploadsResult r = call("list multipart uploads",
          client.listMultipartUploads(b.build())).result();
      if (r.uploads() != null) {
        for (ListMultipartUploadsResult.Upload u : r.uploads()) {
          out.add(new Pending(u.objectName(), u.uploadId(),
              u.initiated() == null ? null : u.initiated().toInstant()));
        }
      }
      if (!r.isTruncated() || r.nextKeyMarker() == null) {
        return out;
      }
      keyMarker = r.nextKeyMarker();
      idMarker = r.nextUploadIdMarker();
    }
  }

  /**
   * One multipart upload whose parts are copies of the sources (UploadPartCopy), so S3 moves
   * the bytes; aborted when a copy fails. (The client's composeObject builds its part copies with
   * the same broken builder as {@link #copyPart} avoids.)
   */
  @Override
  public void compose(String key, List<String> sources, String contentType) throws IOException {
    String uploadId = create(key, contentType);
    try {
      List<S3Parts.Part> parts = new ArrayList<>();
      for (int i = 0; i < sources.size(); i++) {
        parts.add(new S3Parts.Part(i + 1, copyPart(key, uploadId, i + 1, sources.get(i))));
      }
      complete(key, uploadId, parts);
    } catch (IOException | RuntimeException e) {
      abort(key, uploadId);
      throw e;
    }
  }

  @Override
  public void put(String key, byte[] data, int len) throws IOException {
    call("put " + key, client.putObject(
        PutObjectArgs.builder().bucket(bucket).object(key)
            .stream(new ByteArrayInputStream(data, 0, len), (long) len, 5L * 1024 * 1024)
            .build()));
  }

  @Override
  public InputStream get(String key, long offset, long length) throws IOException {
    return call("get " + key, client.getObject(
        GetObjectArgs.builder().bucket(bucket).object(key).offset(offset).length(length)
            .build()));
  }

  @Override
  public long size(String key) throws IOException {
    try {
      return call("stat " + key,
          client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build())).size();
    } catch (IOException e) {
      if ("NoSuchKey".equals(code(e)) || "NoSuchObject".equals(code(e))) {
        return -1;
      }
      throw e;
    }
  }

  @Override
  public List<Stored> list(String prefix) throws IOException {
    List<Stored> out = new ArrayList<>();
    try {
      for (io.minio.Result<io.minio.messages.Item> r : client.listObjects(
          io.minio.ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true)
              .build())) {
        io.minio.messages.Item i = r.get();
        out.add(new Stored(i.objectName(),
            i.lastModified() == null ? null : i.lastModified().toInstant()));
      }
    } catch (Exception e) {
      throw new IOException("S3 list " + prefix + ": " + e.getMessage(), e);
    }
    return out;
  }

  @Override
  public void delete(String key) throws IOException {
    call("delete " + key,
        client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build()));
  }
}
