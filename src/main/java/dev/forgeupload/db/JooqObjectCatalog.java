package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.OBJECTS;
import static dev.forgeupload.db.generated.Tables.UPLOADS;

import dev.forgeupload.core.UploadState;
import dev.forgeupload.db.generated.tables.records.ObjectsRecord;
import dev.forgeupload.objects.Compression;
import dev.forgeupload.objects.FrameIndex;
import dev.forgeupload.objects.ObjectCatalog;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * {@link ObjectCatalog} on PostgreSQL's {@code objects} table (V12). The reference count is kept
 * by the {@code uploads_object_refs} trigger in every transaction that changes an upload's state
 * or key; this class adds entries, marks uploads stored in the same transaction, and removes and
 * re-counts entries under their row lock, so a concurrent reference always waits or wins.
 */
public final class JooqObjectCatalog implements ObjectCatalog {
  private static final String STORED = UploadState.STORED.dbName();
  private final DSLContext dsl;

  public JooqObjectCatalog(DSLContext dsl) {
    this.dsl = dsl;
  }

  @Override
  public Optional<Entry> byKey(String key) {
    return dsl.selectFrom(OBJECTS).where(OBJECTS.KEY.eq(key)).fetchOptional()
        .map(JooqObjectCatalog::entry);
  }

  @Override
  public Optional<Entry> byContent(String sha256, long length) {
    return dsl.selectFrom(OBJECTS)
        .where(OBJECTS.SHA256.eq(sha256).and(OBJECTS.LENGTH.eq(length)))
        .fetchOptional()
        .map(JooqObjectCatalog::entry);
  }

  /** Thrown inside the transaction to roll it back when the claim is gone. */
  private static final class ClaimLost extends RuntimeException {
    ClaimLost() {
      super(null, null, false, false);
    }
  }

  @Override
  public Commit commitStored(UUID uploadId, String worker, Entry candidate, boolean written) {
    try {
      return dsl.transactionResult(cfg -> {
        DSLContext tx = cfg.dsl();
        Entry used = lockedByContent(tx, candidate.sha256(), candidate.length());
        if (used == null) {
          if (!written) {
            return new Commit(Outcome.NOT_WRITTEN, null);
          }
          int added = insert(tx, candidate);
          // none added: an equal object was recorded since (its transaction committed first)
          used = added == 1 ? candidate : lockedByContent(tx, candidate.sha256(), candidate.length());
          if (used == null) {
            throw new IllegalStateException("object key " + candidate.key()
                + " is recorded with other content");
          }
        }
        if (!new JooqStoringClaims(tx).markStored(uploadId, worker, used.key(), candidate.sha256())) {
          throw new ClaimLost();
        }
        return new Commit(Outcome.STORED, used);
      });
    } catch (ClaimLost e) {
      return new Commit(Outcome.CLAIM_LOST, null);
    } catch (org.jooq.exception.DataAccessException e) {
      if (e.getCause() instanceof ClaimLost) {
        return new Commit(Outcome.CLAIM_LOST, null);
      }
      throw e;
    }
  }

  private static Entry lockedByContent(DSLContext tx, String sha256, long length) {
    return tx.selectFrom(OBJECTS)
        .where(OBJECTS.SHA256.eq(sha256).and(OBJECTS.LENGTH.eq(length)))
        .forUpdate()
        .fetchOptional()
        .map(JooqObjectCatalog::entry)
        .orElse(null);
  }

  private static int insert(DSLContext tx, Entry e) {
    FrameIndex i = e.index();
    Long[] offsets = null;
    if (i != null) {
      offsets = java.util.Arrays.stream(i.offsets()).boxed().toArray(Long[]::new);
    }
    return tx.insertInto(OBJECTS)
        .set(OBJECTS.KEY, e.key())
        .set(OBJECTS.SHA256, e.sha256())
        .set(OBJECTS.LENGTH, e.length())
        .set(OBJECTS.PHYSICAL_BYTES, e.physicalBytes())
        .set(OBJECTS.COMPRESSION, e.compression().dbName())
        .set(OBJECTS.FRAME_BYTES, i == null ? null : i.frameBytes())
        .set(OBJECTS.FRAME_OFFSETS, offsets)
        .onConflictDoNothing()
        .execute();
  }

  @Override
  public Release release(String key) {
    return dsl.transactionResult(cfg -> {
      DSLContext tx = cfg.dsl();
      ObjectsRecord row = tx.selectFrom(OBJECTS).where(OBJECTS.KEY.eq(key)).forUpdate().fetchOne();
      if (row == null) {
        return Release.UNKNOWN;
      }
      int refs = references(tx, key);
      if (refs > 0) {
        if (row.getRefcount() != refs) {
          tx.update(OBJECTS).set(OBJECTS.REFCOUNT, refs).set(OBJECTS.UNREFERENCED_AT,
              (java.time.OffsetDateTime) null).where(OBJECTS.KEY.eq(key)).execute();
        }
        return Release.REFERENCED;
      }
      tx.deleteFrom(OBJECTS).where(OBJECTS.KEY.eq(key)).execute();
      return Release.REMOVED;
    });
  }

  private static int references(DSLContext tx, String key) {
    return tx.fetchCount(UPLOADS, UPLOADS.STORAGE_KEY.eq(key).and(UPLOADS.STATE.eq(STORED)));
  }

  @Override
  public int recount(int limit) {
    var counted =
        DSL.select(DSL.count())
            .from(UPLOADS)
            .where(UPLOADS.STORAGE_KEY.eq(OBJECTS.KEY))
            .and(UPLOADS.STATE.eq(STORED))
            .asField();
    List<String> wrong =
        dsl.select(OBJECTS.KEY)
            .from(OBJECTS)
            .where(OBJECTS.REFCOUNT.ne(counted.cast(Integer.class)))
            .limit(limit)
            .fetch(OBJECTS.KEY);
    int fixed = 0;
    for (String key : wrong) {
      Boolean changed = dsl.transactionResult(cfg -> {
        DSLContext tx = cfg.dsl();
        ObjectsRecord row =
            tx.selectFrom(OBJECTS).where(OBJECTS.KEY.eq(key)).forUpdate().fetchOne();
        if (row == null) {
          return false;
        }
        int refs = references(tx, key); // under the row lock: no reference can change meanwhile
        if (row.getRefcount() == refs) {
          return false;
        }
        tx.update(OBJECTS)
            .set(OBJECTS.REFCOUNT, refs)
            .set(OBJECTS.UNREFERENCED_AT,
                refs == 0 ? DSL.currentOffsetDateTime() : DSL.val((java.time.OffsetDateTime) null))
            .where(OBJECTS.KEY.eq(key))
            .execute();
        return true;
      });
      if (changed) {
        fixed++;
      }
    }
    return fixed;
  }

  @Override
  public List<String> unreferenced(int limit) {
    return dsl.select(OBJECTS.KEY)
        .from(OBJECTS)
        .where(OBJECTS.REFCOUNT.eq(0))
        .orderBy(OBJECTS.UNREFERENCED_AT)
        .limit(limit)
        .fetch(OBJECTS.KEY);
  }

  private static Entry entry(ObjectsRecord r) {
    Compression c = Compression.fromDb(r.getCompression());
    FrameIndex index = null;
    if (c != Compression.NONE) {
      Long[] o = r.getFrameOffsets();
      long[] offsets = new long[o.length];
      for (int i = 0; i < o.length; i++) {
        offsets[i] = o[i];
      }
      index = new FrameIndex(r.getFrameBytes(), offsets, r.getLength(), r.getPhysicalBytes());
    }
    return new Entry(r.getKey(), r.getSha256(), r.getLength(), r.getPhysicalBytes(), c, index);
  }
}
