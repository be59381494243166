package dev.forgeupload.core;

import java.io.IOException;
import java.io.InputStream;

/** Port: where finished uploads are kept for good (S3, MinIO, S3Proxy). */
public interface ObjectStore {

  /** Streams exactly {@code size} bytes to {@code key}, replacing any object there. */
  void put(String key, InputStream in, long size, String contentType) throws IOException;

  /** Streams {@code [offset, offset+length)} of an object. */
  InputStream get(String key, long offset, long length) throws IOException;

  /** Removes an object; removing a missing object is fine. */
  void delete(String key) throws IOException;

  boolean isReachable();
}
