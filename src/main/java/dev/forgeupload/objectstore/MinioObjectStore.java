package dev.forgeupload.objectstore;

import dev.forgeupload.core.ObjectStore;
import io.minio.BucketExistsArgs;
import io.minio.CopyObjectArgs;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.SourceObject;
import io.minio.StatObjectArgs;
import io.minio.errors.MinioException;
import java.io.IOException;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link ObjectStore} on any S3 API (MinIO, AWS S3, S3Proxy) through the MinIO client. */
public final class MinioObjectStore implements ObjectStore {
  private static final Logger log = LoggerFactory.getLogger(MinioObjectStore.class);
  private static final long CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final long IO_TIMEOUT_MILLIS = 5 * 60_000;
  private final MinioClient client;
  private final String bucket;
  private final long partBytes;

  public MinioObjectStore(
      String endpoint, String accessKey, String secretKey, String region, String bucket,
      long partBytes) {
    this.client =
        MinioClient.builder()
            .endpoint(endpoint)
            .credentials(accessKey, secretKey)
            .region(region)
            .build();
    // an endpoint that does not answer fails a start-up or a readiness check in seconds, not
    // after the client's default of five minutes; reads and writes of big parts keep that
    this.client.setTimeout(CONNECT_TIMEOUT_MILLIS, IO_TIMEOUT_MILLIS, IO_TIMEOUT_MILLIS);
    this.bucket = bucket;
    this.partBytes = partBytes;
  }

  /** Creates the bucket when it does not exist yet. */
  public void ensureBucket() throws IOException {
    try {
      if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
        client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        log.info("BucketCreated bucket={}", bucket);
      }
    } catch (MinioException e) {
      throw new IOException("S3 bucket " + bucket + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void put(String key, InputStream in, long size, String contentType) throws IOException {
    try {
      client.putObject(
          PutObjectArgs.builder()
              .bucket(bucket)
              .object(key)
              .stream(in, size, partBytes)
              .contentType(contentType)
              .build());
    } catch (MinioException e) {
      throw new IOException("S3 put " + key + ": " + e.getMessage(), e);
    }
  }

  /** A server-side copy within the bucket (S3 CopyObject). */
  public void copy(String from, String to) throws IOException {
    try {
      client.copyObject(
          CopyObjectArgs.builder()
              .bucket(bucket)
              .object(to)
              .source(SourceObject.builder().bucket(bucket).object(from).build())
              .build());
    } catch (MinioException e) {
      throw new IOException("S3 copy " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  /** The stored size of an object (S3 HeadObject). */
  public long size(String key) throws IOException {
    try {
      return client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build()).size();
    } catch (MinioException e) {
      throw new IOException("S3 stat " + key + ": " + e.getMessage(), e);
    }
  }

  @Override
  public InputStream get(String key, long offset, long length) throws IOException {
    try {
      return client.getObject(
          GetObjectArgs.builder().bucket(bucket).object(key).offset(offset).length(length).build());
    } catch (MinioException e) {
      throw new IOException("S3 get " + key + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void delete(String key) throws IOException {
    try {
      client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
    } catch (MinioException e) {
      throw new IOException("S3 delete " + key + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean isReachable() {
    try {
      return client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
    } catch (MinioException | RuntimeException e) {
      return false;
    }
  }
}
