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

  /**
   * {@link #openWriter(UUID, long)} with what a store that must know them up front needs: the
   * object key the bytes end up under and the most bytes the upload may reach (S3 staging picks
   * its part size from it). A store that needs neither ignores them.
   */
  default Writer openWriter(UUID id, long offset, Plan plan) throws IOException {
    return openWriter(id, offset);
  }

  /** Where an upload's bytes go for good and how many there may be. */
  record Plan(String objectKey, long maxBytes) {}

  /**
   * When the store can make the staged bytes of complete upload {@code u} its stored object
   * without copying them (S3 staging completes its multipart upload), does so and says where and
   * with which SHA-256; empty when the bytes must be streamed to the object store.
   */
  default java.util.Optional<InPlace> storeInPlace(Upload u) throws IOException {
    return java.util.Optional.empty();
  }

  /** A stored object the staging store made in place, with the SHA-256 of its bytes. */
  record InPlace(String key, String sha256) {}

  /** Removes what the store may have left behind that no upload owns; returns how many. */
  default int sweep() {
    return 0;
  }

  /** The staged bytes an offset needs are not in this store. */
  final class MissingBytesException extends IOException {
    public MissingBytesException(String message) {
      super(message);
    }
  }

  /**
   * Whether {@link #read} can return the bytes a writer just wrote, anywhere in the upload (disk:
   * yes; S3 staging: only the first bytes and the part in progress).
   */
  default boolean rereadable() {
    return true;
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

    /**
     * Makes every byte written so far readable through {@link StagingStore#read} (a writer may
     * hold the last ones in memory until then; most have nothing to do).
     */
    default void flush() throws IOException {}

    /**
     * Makes everything written so far durable (and readable); called from the writing thread,
     * and by the default {@link #checkpoint} from another, which a writer keeping it must allow.
     */
    void force() throws IOException;

    /**
     * A checkpoint during a body, from another thread while this one writes: makes durable what
     * the store durably keeps mid-body and returns the offset that covers (at most {@code
     * position}, the writer's position when the checkpoint was asked for). A disk file is forced
     * whole (a direct writer: what left its buffer); S3 staging reports the last part S3
     * acknowledged and sends nothing itself.
     */
    default long checkpoint(long position) throws IOException {
      force();
      return position;
    }

    /**
     * The end of the last piece the store made durable on its own while writing (S3 staging: the
     * last part S3 acknowledged), so the offset can follow it at once; -1 when it makes nothing
     * durable before {@link #force} or {@link #checkpoint} (disk).
     */
    default long committedPiece() {
      return -1;
    }

    /** Drops bytes after {@code offset} (rollback of an unverified or rejected body). */
    void truncate(long offset) throws IOException;

    long position();

    @Override
    void close() throws IOException;
  }
}
