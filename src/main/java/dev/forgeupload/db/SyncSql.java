package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.SYNC_FILES;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;

/** SQL pieces the sync stores share. */
final class SyncSql {
  private SyncSql() {}

  static Condition file(UUID jobId, String path) {
    return SYNC_FILES.JOB_ID.eq(jobId).and(SYNC_FILES.PATH.eq(path));
  }

  /** {@code now()} minus {@code d}. */
  static Field<OffsetDateTime> ago(Duration d) {
    return DSL.field(
        "now() - make_interval(secs => {0})", OffsetDateTime.class,
        DSL.val(d.toMillis() / 1000.0));
  }

  /** {@code now()} plus {@code d}. */
  static Field<OffsetDateTime> in(Duration d) {
    return DSL.field(
        "now() + make_interval(secs => {0})", OffsetDateTime.class,
        DSL.val(d.toMillis() / 1000.0));
  }

  static OffsetDateTime time(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }
}
