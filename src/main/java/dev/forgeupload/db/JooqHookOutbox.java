package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.HOOK_DELIVERIES;
import static dev.forgeupload.db.generated.Tables.HOOK_REQUESTS;
import static dev.forgeupload.db.generated.Tables.HOOK_SETTINGS;
import static dev.forgeupload.db.generated.Tables.HOOK_STOPS;

import dev.forgeupload.core.HookDeliveries;
import dev.forgeupload.core.HookOutbox;
import dev.forgeupload.core.HookType;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.db.generated.tables.records.HookDeliveriesRecord;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link HookOutbox} and {@link HookDeliveries} on the tables of migration V7. The events
 * themselves are inserted by the {@code uploads_hook_events} trigger, in the transaction of the
 * change they describe; this class only reads, claims and settles them.
 */
public final class JooqHookOutbox implements HookOutbox, HookDeliveries {
  private static final String PENDING = "pending";
  private static final String DELIVERED = "delivered";
  private static final String FAILED = "failed";

  private static final Logger log = LoggerFactory.getLogger(JooqHookOutbox.class);

  private final DSLContext dsl;

  public JooqHookOutbox(DSLContext dsl) {
    this.dsl = dsl;
  }

  /**
   * Also switches the trigger itself on or off, so that without notifications the uploads table
   * pays nothing for it (the switch is DDL: it waits at most 2 s for the table's lock, and
   * when it cannot have it the trigger stays as it is and finds no events to write).
   */
  @Override
  public void configure(Set<HookType> events, Duration progressInterval, Duration finishHold) {
    String[] names =
        events.stream().filter(t -> !t.blocking()).map(HookType::wireName).toArray(String[]::new);
    dsl.update(HOOK_SETTINGS)
        .set(HOOK_SETTINGS.EVENTS, names)
        .set(HOOK_SETTINGS.PROGRESS_SECONDS, progressInterval.toMillis() / 1000.0)
        .set(HOOK_SETTINGS.FINISH_HOLD_SECONDS, finishHold.toMillis() / 1000.0)
        .set(HOOK_SETTINGS.UPDATED_AT, DSL.currentOffsetDateTime())
        .where(HOOK_SETTINGS.ID.eq(1))
        .execute();
    boolean wanted = names.length > 0;
    String state = dsl.fetchOptional(
            "SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'uploads_hook_events'"
                + " AND tgrelid = 'uploads'::regclass")
        .map(r -> r.get(0, String.class))
        .orElse(null);
    if (state == null || state.equals("D") != wanted) {
      return; // missing (cannot be), or already as wanted
    }
    try {
      dsl.transaction(cfg -> {
        DSLContext tx = DSL.using(cfg);
        tx.execute("SET LOCAL lock_timeout = '2s'");
        tx.execute("ALTER TABLE uploads " + (wanted ? "ENABLE" : "DISABLE")
            + " TRIGGER uploads_hook_events");
      });
    } catch (RuntimeException e) {
      log.warn("HookTriggerNotSwitched enable={} error={} (it checks the settings anyway)",
          wanted, e.toString());
    }
  }

  @Override
  public void releaseFinish(UUID uploadId) {
    dsl.update(HOOK_DELIVERIES)
        .set(HOOK_DELIVERIES.NEXT_ATTEMPT_AT, DSL.currentOffsetDateTime())
        .where(HOOK_DELIVERIES.UPLOAD_ID.eq(uploadId))
        .and(HOOK_DELIVERIES.EVENT.eq(HookType.POST_FINISH.wireName()))
        .and(HOOK_DELIVERIES.STATE.eq(PENDING))
        .and(HOOK_DELIVERIES.ATTEMPTS.eq(0))
        .execute();
  }

  /**
   * Committed without waiting for the WAL flush: the change it describes commits after it, and
   * its synchronous commit flushes the WAL up to and past this record.
   */
  @Override
  public void recordRequest(UUID uploadId, String method, String requestJson) {
    dsl.transaction(
        cfg -> {
          DSLContext tx = DSL.using(cfg);
          tx.execute("SET LOCAL synchronous_commit TO OFF");
          tx.insertInto(HOOK_REQUESTS)
              .set(HOOK_REQUESTS.UPLOAD_ID, uploadId)
              .set(HOOK_REQUESTS.METHOD, method)
              .set(HOOK_REQUESTS.REQUEST, JSONB.valueOf(requestJson))
              .onConflict(HOOK_REQUESTS.UPLOAD_ID)
              .doUpdate()
              .set(HOOK_REQUESTS.METHOD, method)
              .set(HOOK_REQUESTS.REQUEST, JSONB.valueOf(requestJson))
              .set(HOOK_REQUESTS.AT, DSL.currentOffsetDateTime())
              .execute();
        });
  }

  @Override
  public List<Delivery> claim(String node, int max, Duration lease) {
    if (max <= 0) {
      return List.of();
    }
    // Only the oldest pending event of an upload is claimable, so one upload's events go out
    // one at a time and in order; a claimed (leased) one still holds the later ones back.
    var d = HOOK_DELIVERIES.as("d");
    var e = HOOK_DELIVERIES.as("e");
    var due =
        DSL.select(d.ID)
            .from(d)
            .where(d.STATE.eq(PENDING))
            .and(d.NEXT_ATTEMPT_AT.le(DSL.currentOffsetDateTime()))
            .and(d.CLAIMED_UNTIL.isNull().or(d.CLAIMED_UNTIL.lt(DSL.currentOffsetDateTime())))
            .andNotExists(
                DSL.selectOne()
                    .from(e)
                    .where(e.UPLOAD_ID.eq(d.UPLOAD_ID))
                    .and(e.STATE.eq(PENDING))
                    .and(e.SEQ.lt(d.SEQ)))
            .orderBy(d.SEQ)
            .limit(max)
            .forUpdate()
            .skipLocked();
    return dsl.update(HOOK_DELIVERIES)
        .set(HOOK_DELIVERIES.CLAIMED_BY, node)
        .set(HOOK_DELIVERIES.CLAIMED_UNTIL,
            DSL.field("now() + make_interval(secs => {0})", OffsetDateTime.class,
                DSL.val(lease.toMillis() / 1000.0)))
        .set(HOOK_DELIVERIES.ATTEMPTS, HOOK_DELIVERIES.ATTEMPTS.plus(1))
        .set(HOOK_DELIVERIES.LAST_ATTEMPT_AT, DSL.currentOffsetDateTime())
        .where(HOOK_DELIVERIES.ID.in(due))
        .returning()
        .fetch()
        .stream()
        .sorted((a, b) -> Long.compare(a.getSeq(), b.getSeq()))
        .map(JooqHookOutbox::delivery)
        .toList();
  }

  private static Delivery delivery(HookDeliveriesRecord r) {
    return new Delivery(
        r.getId(),
        r.getUploadId(),
        HookType.of(r.getEvent()).orElseThrow(),
        r.getLength(),
        r.getOffset(),
        UploadRows.fromJson(r.getMetadata()),
        UploadKind.fromDb(r.getUploadType()),
        r.getConcatParts() == null ? null : Arrays.asList(r.getConcatParts()),
        r.getStorageKey(),
        r.getSha256(),
        r.getRequest() == null ? null : r.getRequest().data(),
        r.getAttempts(),
        r.getCreatedAt(),
        r.getRetryFrom());
  }

  @Override
  public void delivered(UUID id, int status) {
    dsl.update(HOOK_DELIVERIES)
        .set(HOOK_DELIVERIES.STATE, DELIVERED)
        .set(HOOK_DELIVERIES.LAST_STATUS, status)
        .set(HOOK_DELIVERIES.LAST_ERROR, (String) null)
        .set(HOOK_DELIVERIES.DELIVERED_AT, DSL.currentOffsetDateTime())
        .set(HOOK_DELIVERIES.CLAIMED_BY, (String) null)
        .set(HOOK_DELIVERIES.CLAIMED_UNTIL, (OffsetDateTime) null)
        .where(HOOK_DELIVERIES.ID.eq(id))
        .execute();
  }

  @Override
  public void failed(UUID id, Integer status, String error, Duration retryIn) {
    var update =
        dsl.update(HOOK_DELIVERIES)
            .set(HOOK_DELIVERIES.LAST_STATUS, status)
            .set(HOOK_DELIVERIES.LAST_ERROR, error)
            .set(HOOK_DELIVERIES.CLAIMED_BY, (String) null)
            .set(HOOK_DELIVERIES.CLAIMED_UNTIL, (OffsetDateTime) null);
    if (retryIn == null) {
      update.set(HOOK_DELIVERIES.STATE, FAILED)
          .where(HOOK_DELIVERIES.ID.eq(id).and(HOOK_DELIVERIES.STATE.eq(PENDING)))
          .execute();
    } else {
      update.set(HOOK_DELIVERIES.NEXT_ATTEMPT_AT,
              DSL.field("now() + make_interval(secs => {0})", OffsetDateTime.class,
                  DSL.val(retryIn.toMillis() / 1000.0)))
          .where(HOOK_DELIVERIES.ID.eq(id).and(HOOK_DELIVERIES.STATE.eq(PENDING)))
          .execute();
    }
  }

  @Override
  public int retryNow() {
    return dsl.update(HOOK_DELIVERIES)
        .set(HOOK_DELIVERIES.NEXT_ATTEMPT_AT, DSL.currentOffsetDateTime())
        .where(HOOK_DELIVERIES.STATE.eq(PENDING))
        .and(HOOK_DELIVERIES.NEXT_ATTEMPT_AT.gt(DSL.currentOffsetDateTime()))
        .execute();
  }

  @Override
  public void requestStop(UUID uploadId, String replyJson) {
    dsl.insertInto(HOOK_STOPS)
        .set(HOOK_STOPS.UPLOAD_ID, uploadId)
        .set(HOOK_STOPS.REPLY, JSONB.valueOf(replyJson))
        .onConflict(HOOK_STOPS.UPLOAD_ID)
        .doUpdate()
        .set(HOOK_STOPS.REPLY, JSONB.valueOf(replyJson))
        .set(HOOK_STOPS.AT, DSL.currentOffsetDateTime())
        .execute();
  }

  @Override
  public Map<UUID, String> takeStops(Collection<UUID> uploadIds) {
    Map<UUID, String> out = new LinkedHashMap<>();
    if (uploadIds.isEmpty()) {
      return out;
    }
    dsl.deleteFrom(HOOK_STOPS)
        .where(HOOK_STOPS.UPLOAD_ID.in(uploadIds))
        .returning(HOOK_STOPS.UPLOAD_ID, HOOK_STOPS.REPLY)
        .fetch()
        .forEach(r -> out.put(r.getUploadId(), r.getReply().data()));
    return out;
  }

  @Override
  public void sweep(Duration keep) {
    Condition old =
        DSL.condition("{0} < now() - make_interval(secs => {1})",
            DSL.coalesce(HOOK_DELIVERIES.DELIVERED_AT, HOOK_DELIVERIES.LAST_ATTEMPT_AT,
                HOOK_DELIVERIES.CREATED_AT),
            DSL.val((double) keep.toSeconds()));
    dsl.deleteFrom(HOOK_DELIVERIES)
        .where(HOOK_DELIVERIES.STATE.ne(PENDING))
        .and(old)
        .execute();
    dsl.deleteFrom(HOOK_REQUESTS)
        .where(DSL.condition("{0} < now() - make_interval(secs => {1})", HOOK_REQUESTS.AT,
            DSL.val((double) keep.toSeconds())))
        .execute();
    // a stop nobody took within a minute: its PATCH had ended (tusd stops running requests only)
    dsl.deleteFrom(HOOK_STOPS)
        .where(DSL.condition("{0} < now() - interval '1 minute'", HOOK_STOPS.AT))
        .execute();
  }

  @Override
  public Backlog backlog() {
    Record r =
        dsl.fetchOne(
            """
            SELECT count(*) FILTER (WHERE state = 'pending') AS pending,
                   count(*) FILTER (WHERE state = 'failed') AS failed,
                   coalesce(extract(epoch FROM now() - min(created_at)
                     FILTER (WHERE state = 'pending')), 0)::double precision AS oldest
            FROM hook_deliveries WHERE state IN ('pending', 'failed')
            """);
    return new Backlog(
        r.get("pending", Long.class),
        r.get("failed", Long.class),
        Duration.ofMillis((long) (r.get("oldest", Double.class) * 1000)));
  }

  // ---- HookDeliveries (the admin API)

  @Override
  public List<View> list(UUID uploadId, String state, Long beforeSeq, int limit) {
    Condition c = DSL.noCondition();
    if (uploadId != null) {
      c = c.and(HOOK_DELIVERIES.UPLOAD_ID.eq(uploadId));
    }
    if (state != null) {
      c = c.and(HOOK_DELIVERIES.STATE.eq(state));
    }
    if (beforeSeq != null) {
      c = c.and(HOOK_DELIVERIES.SEQ.lt(beforeSeq));
    }
    return dsl.selectFrom(HOOK_DELIVERIES)
        .where(c)
        .orderBy(HOOK_DELIVERIES.SEQ.desc())
        .limit(limit)
        .fetch()
        .map(JooqHookOutbox::view);
  }

  @Override
  public Optional<View> redeliver(UUID id) {
    return dsl.update(HOOK_DELIVERIES)
        .set(HOOK_DELIVERIES.STATE, PENDING)
        .set(HOOK_DELIVERIES.NEXT_ATTEMPT_AT, DSL.currentOffsetDateTime())
        .set(HOOK_DELIVERIES.RETRY_FROM, DSL.currentOffsetDateTime())
        .set(HOOK_DELIVERIES.DELIVERED_AT, (OffsetDateTime) null)
        .where(HOOK_DELIVERIES.ID.eq(id))
        .returning()
        .fetchOptional()
        .map(JooqHookOutbox::view);
  }

  private static View view(HookDeliveriesRecord r) {
    return new View(
        r.getId(),
        r.getSeq(),
        r.getEvent(),
        r.getUploadId(),
        r.getState(),
        r.getAttempts(),
        r.getLastStatus(),
        r.getLastError(),
        r.getCreatedAt(),
        r.getDeliveredAt());
  }
}
