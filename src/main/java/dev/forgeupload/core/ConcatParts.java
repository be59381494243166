package dev.forgeupload.core;

import java.util.Collection;
import java.util.Optional;

/**
 * What becomes of a partial upload as the final uploads that list it move on. The repository
 * applies these rules atomically with the creation of finals ({@link
 * UploadRepository#settleParts}); they live here so every implementation decides alike.
 */
public final class ConcatParts {
  private ConcatParts() {}

  /**
   * A final still needs its parts' staged bytes: it is not stored yet and may still be (a failed
   * final that was complete can be retried; one the content check rejected cannot).
   */
  public static boolean needsParts(Upload fin) {
    return switch (fin.state()) {
      case UPLOADING, QUEUED, STORING -> true;
      case FAILED -> fin.isComplete();
      default -> false;
    };
  }

  /**
   * The state {@code part} moves to now that {@code finals} (every final listing it) are as they
   * are; empty when it stays. A part no final needs any more is {@code concatenated} while a
   * stored final holds its bytes; when none does and {@code dropUnused} (its final was deleted),
   * it is {@code deleted}.
   */
  public static Optional<UploadState> next(
      Upload part, Collection<Upload> finals, boolean dropUnused) {
    if (part.kind() != UploadKind.PARTIAL || part.state().isGone()) {
      return Optional.empty();
    }
    if (finals.stream().anyMatch(ConcatParts::needsParts)) {
      return Optional.empty();
    }
    if (finals.stream().anyMatch(f -> f.state() == UploadState.STORED)) {
      return part.state() == UploadState.UPLOADING && part.isComplete()
          ? Optional.of(UploadState.CONCATENATED)
          : Optional.empty();
    }
    return dropUnused ? Optional.of(UploadState.DELETED) : Optional.empty();
  }

  /**
   * A stored final whose object holds {@code part}'s bytes (the part is {@code concatenated}):
   * where they are read from, for a download of the part or for another final built from it.
   */
  public static Optional<Upload> holder(Collection<Upload> finals) {
    return finals.stream()
        .filter(f -> f.state() == UploadState.STORED && f.storageKey() != null)
        .findFirst();
  }

  /**
   * A concatenated part whose last holder is going away while another final still needs its
   * bytes: they must be staged again from the holder's object before it is deleted.
   */
  public static boolean needsRestore(Upload part, Collection<Upload> otherFinals) {
    return part.state() == UploadState.CONCATENATED
        && holder(otherFinals).isEmpty()
        && otherFinals.stream().anyMatch(ConcatParts::needsParts);
  }

  /**
   * Refuses a part that a new final cannot be built from: it was deleted or expired. A
   * concatenated part can be used again (clients such as Uppy resume a finished parallel upload
   * by creating its final once more); its bytes are read from the stored final that holds them.
   */
  public static void checkUsable(Upload part) {
    if (part.state().isGone()) {
      throw UploadException.badRequest(
          "partial upload " + part.id() + " is " + part.state().dbName());
    }
  }
}
