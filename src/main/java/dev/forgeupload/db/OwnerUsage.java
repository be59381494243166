package dev.forgeupload.db;

import dev.forgeupload.core.OwnerLimits;
import java.time.Duration;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * An owner's usage for quota and unfinished-upload limits, measured in SQL inside the caller's
 * transaction, and the per-owner lock that serialises the decisions made on it.
 */
final class OwnerUsage {
  /** A reservation counts while its upload's lock was renewed within this lease. */
  private final Duration lockLease;

  OwnerUsage(Duration lockLease) {
    this.lockLease = lockLease;
  }

  /** One owner's quota decisions queue up here, so checks and writes don't interleave. */
  static DSLContext lock(DSLContext tx, String owner) {
    tx.select(DSL.field("pg_advisory_xact_lock(hashtextextended({0}, 7))", owner)).fetch();
    return tx;
  }

  /**
   * What {@code owner} holds: every upload in a held state counts its declared length, or while
   * its length is deferred its offset (or the end a running PATCH reserved, while the upload's
   * lock lease is alive); a final counts its parts' bytes, and a part that a final lists counts
   * through that final only (so a part listed by two finals counts twice: two objects will be
   * stored). Uploads rejected before completion hold nothing (their bytes are gone). Unfinished
   * = not yet complete (a complete part waiting for its final is not unfinished). With {@code
   * what} set, that upload is counted as if it reached {@code reach} bytes.
   */
  OwnerLimits.Usage of(DSLContext ctx, String owner, UUID what, long reach) {
    var r =
        ctx.fetchOne(
            """
            WITH held AS (
              SELECT u.id, u.upload_type, u.length, u.concat_parts, u.state, u.completed_at,
                     CASE
                       WHEN u.id = {0} THEN {1}
                       WHEN u.reserved_end > u."offset" AND EXISTS (
                         SELECT 1 FROM upload_locks l WHERE l.upload_id = u.id
                           AND l.heartbeat_at > now() - make_interval(secs => {2}))
                         THEN u.reserved_end
                       ELSE u."offset"
                     END AS reach
              FROM uploads u
              WHERE u.owner = {3}
                AND u.state IN ('uploading', 'queued', 'storing', 'stored', 'failed')
                AND (u.state <> 'failed' OR u.completed_at IS NOT NULL)
            )
            SELECT
              coalesce(sum(
                CASE
                  WHEN h.upload_type = 'final' THEN coalesce(
                    CASE WHEN h.id = {0} THEN h.reach END, h.length,
                    (SELECT sum(coalesce(p.length, p.reach)) FROM held p
                      WHERE p.id = ANY(h.concat_parts)), 0)
                  WHEN h.upload_type = 'partial' AND EXISTS (
                    SELECT 1 FROM held f
                    WHERE f.upload_type = 'final' AND f.concat_parts @> ARRAY[h.id]) THEN 0
                  WHEN h.id = {0} THEN h.reach
                  ELSE coalesce(h.length, h.reach)
                END), 0)::bigint AS bytes,
              count(*) FILTER (WHERE h.state = 'uploading' AND h.completed_at IS NULL) AS active
            FROM held h
            """,
            DSL.val(what, UUID.class),
            DSL.val(reach),
            DSL.val(lockLease.toMillis() / 1000.0),
            DSL.val(owner));
    return new OwnerLimits.Usage(r.get(0, Long.class), r.get(1, Integer.class));
  }
}
