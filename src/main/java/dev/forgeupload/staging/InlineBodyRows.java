package dev.forgeupload.staging;

import dev.forgeupload.core.StagingStore;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Port: the bytes of small uploads kept with their rows (inserted by the repository's {@code
 * createWhole}, in the same statement as the row), as {@link InlineStaging} reads and removes
 * them.
 */
public interface InlineBodyRows {

  /** The whole body of upload {@code id}, if it is kept inline. */
  Optional<byte[]> find(UUID id);

  void delete(UUID id);

  /**
   * Bodies whose upload may not need them any more (stored, deleted, expired or concatenated),
   * at most {@code limit}, with their age: what the reconciler looks at.
   */
  List<StagingStore.Entry> settled(int limit);
}
