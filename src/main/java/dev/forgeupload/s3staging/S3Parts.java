package dev.forgeupload.s3staging;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;

/**
 * Port: the S3 calls staging needs (multipart uploads and small objects in the bucket). The
 * objectstore package implements it on the MinIO client.
 */
public interface S3Parts {
  /** CreateMultipartUpload; returns its upload id. */
  String create(String key, String contentType) throws IOException;

  /** UploadPart of {@code len} bytes; returns the part's ETag. */
  String uploadPart(String key, String uploadId, int number, byte[] data, int len)
      throws IOException;

  /** UploadPartCopy of a whole object; returns the part's ETag. */
  String copyPart(String key, String uploadId, int number, String sourceKey) throws IOException;

  void complete(String key, String uploadId, List<Part> parts) throws IOException;

  /** AbortMultipartUpload; an upload that is gone already is fine. */
  void abort(String key, String uploadId) throws IOException;

  /** Multipart uploads in progress under {@code prefix}. */
  List<Pending> pending(String prefix) throws IOException;

  /** Server-side concatenation of whole objects into {@code key} (UploadPartCopy). */
  void compose(String key, List<String> sources, String contentType) throws IOException;

  void put(String key, byte[] data, int len) throws IOException;

  InputStream get(String key, long offset, long length) throws IOException;

  /** The object's size, or -1 when there is none. */
  long size(String key) throws IOException;

  void delete(String key) throws IOException;

  /** Objects under {@code prefix} with when they were written. */
  List<Stored> list(String prefix) throws IOException;

  record Stored(String key, Instant modified) {}

  record Part(int number, String etag) {}

  record Pending(String key, String uploadId, Instant initiated) {}
}
