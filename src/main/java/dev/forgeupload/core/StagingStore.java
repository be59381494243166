package dev.forgeupload.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;

/**
 * Port: where the bytes of unfinished (and not yet stored) uploads live. The local-disk
 * implementation is the default; an S3-multipart one can replace it to make nodes stateless.
 * Offsets here are never ahead of what the repository says was durably received, except while a
 * writer holds the upload's lock.
 */
public interface StagingStore {

  /**
   * Opens a writer positioned at {@code offset}; bytes after it are discarded first. Throws
   * {@link MissingBytesException} when fewer than {@code offset} bytes are staged here (they were
   * received by another node, or lost).
   */
  Writer openWriter(UUID id, long offset) throws IOException;

  /** The staged bytes an offset needs are not in this store. */
  final class MissingBytesException extends IOException {
    public MissingBytesException(String message) {
      super(message);
    }
  }

  /** Streams {@code [from, from+count)} of the staged bytes. */
  InputStream read(UUID id, long from, long count) throws IOException;

  /** Size of what is on disk (may exceed the committed offset after a crash). */
  long size(UUID id) throws IOException;

  void delete(UUID id) throws IOException;

  /** Every staged upload, with how long ago it was last written. */
  java.util.List<Entry> list();

  record Entry(UUID id, java.time.Duration age) {}

  /** A single writer for one upload, used while its lock is held. */
  interface Writer extends AutoCloseable {
    void write(byte[] buf, int off, int len) throws IOException;

    /** Makes everything written so far durable; safe to call while another thread writes. */
    void force() throws IOException;

    /** Drops bytes after {@code offset} (rollback of an unverified or rejected body). */
    void truncate(long offset) throws IOException;

    long position();

    @Override
    void close() throws IOException;
  }
}
