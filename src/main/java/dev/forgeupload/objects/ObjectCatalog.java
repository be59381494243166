package dev.forgeupload.objects;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Port: the objects table. One entry per distinct content (SHA-256 and length); stored uploads
 * reference an entry by its key ({@code uploads.storage_key}), and the store keeps the count of
 * them in the same transaction as each upload's state change.
 */
public interface ObjectCatalog {

  /** An object in S3: its original length and digest, what it takes, how its frames are kept. */
  record Entry(
      String key, String sha256, long length, long physicalBytes, Compression compression,
      FrameIndex index) {
    public Entry {
      if ((compression == Compression.NONE) != (index == null)) {
        throw new IllegalArgumentException("a compressed object has a frame index, a plain one none");
      }
    }

    public static Entry plain(String key, String sha256, long length) {
      return new Entry(key, sha256, length, length, Compression.NONE, null);
    }
  }

  /** What {@link #commitStored} did. */
  enum Outcome {
    /** The upload is stored and references {@link Commit#entry()}. */
    STORED,
    /** No equal object is left and the candidate was not written: write it, then commit again. */
    NOT_WRITTEN,
    /** The upload is no longer this worker's (deleted, or taken over): nothing changed. */
    CLAIM_LOST
  }

  record Commit(Outcome outcome, Entry entry) {}

  Optional<Entry> byKey(String key);

  Optional<Entry> byContent(String sha256, long length);

  /**
   * One transaction: the entry of equal content (locked, so it cannot be removed meanwhile), or
   * else {@code candidate} added when {@code written}; then the upload marked stored (under
   * {@code worker}'s claim) with that entry's key, which counts the reference.
   */
  Commit commitStored(UUID uploadId, String worker, Entry candidate, boolean written);

  /** What {@link #release} found. */
  enum Release {
    /** The entry had no reference left and is gone: delete the object. */
    REMOVED,
    /** Stored uploads still reference it: keep the object. */
    REFERENCED,
    /** No entry: a plain object (stored before the catalog, or by sync) or one already removed. */
    UNKNOWN
  }

  /** Removes the entry of {@code key} if, counted again under its lock, nothing references it. */
  Release release(String key);

  /** Sets counts that disagree with the uploads (each under its entry's lock); how many changed. */
  int recount(int limit);

  /** Keys of entries with no reference. */
  List<String> unreferenced(int limit);
}
