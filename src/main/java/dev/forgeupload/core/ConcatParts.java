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
   * Refuses a part that a new final cannot be built from: its bytes went into a stored final
   * (they are not kept on their own any more), or it was deleted or expired.
   */
  public static void checkUsable(Upload part) {
    if (part.state() == UploadState.CONCATENATED) {
      throw new UploadException(
          Problem.PART_CONCATENATED,
          "partial upload " + part.id() + " is already concatenated into a stored upload and its"
              + " bytes are no longer kept on their own; upload the parts again");
    }
    if (part.state().isGone()) {
      throw UploadException.badRequest(
          "partial upload " + part.id() + " is " + part.state().dbName());
    }
  }
}
