package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.UPLOADS;

import dev.forgeupload.core.ConcatParts;
import dev.forgeupload.core.NewUpload;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * The two sides of settling a stored final's parts ({@link ConcatParts} decides): creating a
 * final share-locks its parts, settling locks them exclusively, so neither misses the other.
 */
final class PartSettling {
  private PartSettling() {}

  /**
   * A final's parts, share-locked until the insert commits: {@link #settle} (which locks
   * them exclusively) either ran before and this sees what it decided, or runs after and sees
   * this final.
   */
  static void lockUsable(DSLContext tx, NewUpload n) {
    if (n.kind() != UploadKind.FINAL || n.concatParts() == null || n.concatParts().isEmpty()) {
      return;
    }
    tx.selectFrom(UPLOADS)
        .where(UPLOADS.ID.in(n.concatParts()))
        .orderBy(UPLOADS.ID)
        .forShare()
        .fetch()
        .forEach(r -> ConcatParts.checkUsable(UploadRows.toUpload(r)));
  }

  /** Within {@code tx}: moves each part of {@code finalId} to the state ConcatParts picks. */
  static List<Upload> settle(DSLContext tx, UUID finalId, boolean dropUnused) {
    Upload fin =
        tx.selectFrom(UPLOADS).where(UPLOADS.ID.eq(finalId)).fetchOptional()
            .map(UploadRows::toUpload).orElse(null);
    if (fin == null || fin.kind() != UploadKind.FINAL || fin.concatParts() == null
        || fin.concatParts().isEmpty()) {
      return List.of();
    }
    List<Upload> parts =
        tx.selectFrom(UPLOADS)
            .where(UPLOADS.ID.in(fin.concatParts()))
            .orderBy(UPLOADS.ID)
            .forUpdate()
            .fetch(UploadRows::toUpload);
    // a later statement sees every final committed while this one waited for the locks
    List<Upload> finals =
        tx.selectFrom(UPLOADS)
            .where(UPLOADS.UPLOAD_TYPE.eq(UploadKind.FINAL.dbName()))
            .and(DSL.condition("{0} && {1}", UPLOADS.CONCAT_PARTS,
                DSL.val(fin.concatParts().toArray(UUID[]::new),
                    UPLOADS.CONCAT_PARTS.getDataType())))
            .fetch(UploadRows::toUpload);
    List<Upload> changed = new ArrayList<>();
    for (Upload part : parts) {
      List<Upload> listing =
          finals.stream().filter(f -> f.concatParts().contains(part.id())).toList();
      Optional<UploadState> next = ConcatParts.next(part, listing, dropUnused);
      if (next.isPresent()) {
        tx.update(UPLOADS)
            .set(UPLOADS.STATE, next.get().dbName())
            .set(UPLOADS.UPDATED_AT, DSL.currentOffsetDateTime())
            .where(UPLOADS.ID.eq(part.id()))
            .returning()
            .fetchOptional()
            .map(UploadRows::toUpload)
            .ifPresent(changed::add);
      }
    }
    return changed;
  }
}
