package dev.forgeupload.sync;

import java.io.IOException;
import java.io.InputStream;

/**
 * Port: what sync needs of the object store, a little more than {@code core/ObjectStore}: a
 * server-side copy (to keep a previous version under its own key) and the stored size (to verify
 * an object after it was written).
 */
public interface SyncObjects {

  /** Streams exactly {@code size} bytes to {@code key} (multipart above the part size). */
  void put(String key, InputStream in, long size, String contentType) throws IOException;

  /** Copies an object within the bucket, server-side. */
  void copy(String from, String to) throws IOException;

  /** The size of a stored object. */
  long size(String key) throws IOException;
}
