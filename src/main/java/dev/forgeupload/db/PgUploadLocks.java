package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.UPLOAD_LOCKS;

import dev.forgeupload.core.UploadLocks;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lease locks in the {@code upload_locks} table. Every process renews the leases it holds from one
 * heartbeat thread; a lease not renewed for {@code lease} (holder killed, partitioned) is taken
 * over. All times are the database's clock, so process clocks may disagree.
 */
public final class PgUploadLocks implements UploadLocks, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PgUploadLocks.class);
  private static final long POLL_MILLIS = 50;

  private final DSLContext dsl;
  private final Duration lease;
  private final String node = UUID.randomUUID().toString();
  private final AtomicLong sequence = new AtomicLong();
  private final Map<String, HeldLock> held = new ConcurrentHashMap<>();
  private final ScheduledExecutorService heartbeat;

  public PgUploadLocks(DSLContext dsl, Duration lease) {
    this.dsl = dsl;
    this.lease = lease;
    this.heartbeat =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lock-heartbeat");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(200, lease.toMillis() / 4);
    heartbeat.scheduleWithFixedDelay(this::beat, period, period, TimeUnit.MILLISECONDS);
  }

  @Override
  public Optional<Lock> acquire(UUID id, Duration wait) {
    String holder = node + ":" + sequence.incrementAndGet();
    long deadline = System.nanoTime() + wait.toNanos();
    boolean asked = false;
    while (true) {
      if (tryInsert(id, holder)) {
        HeldLock lock = new HeldLock(id, holder);
        held.put(holder, lock);
        return Optional.of(lock);
      }
      if (System.nanoTime() >= deadline) {
        return Optional.empty();
      }
      if (!asked) {
        requestRelease(id);
        asked = true;
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
  }

  private boolean tryInsert(UUID id, String holder) {
    return dsl.insertInto(UPLOAD_LOCKS)
            .set(UPLOAD_LOCKS.UPLOAD_ID, id)
            .set(UPLOAD_LOCKS.HOLDER, holder)
            .onConflict(UPLOAD_LOCKS.UPLOAD_ID)
            .doUpdate()
            .set(UPLOAD_LOCKS.HOLDER, holder)
            .set(UPLOAD_LOCKS.ACQUIRED_AT, DSL.currentOffsetDateTime())
            .set(UPLOAD_LOCKS.HEARTBEAT_AT, DSL.currentOffsetDateTime())
            .set(UPLOAD_LOCKS.RELEASE_REQUESTED, false)
            .where(
                DSL.condition(
                    "{0} < now() - make_interval(secs => {1})",
                    UPLOAD_LOCKS.HEARTBEAT_AT,
                    DSL.val(lease.toMillis() / 1000.0)))
            .execute()
        == 1;
  }

  @Override
  public void requestRelease(UUID id) {
    dsl.update(UPLOAD_LOCKS)
        .set(UPLOAD_LOCKS.RELEASE_REQUESTED, true)
        .where(UPLOAD_LOCKS.UPLOAD_ID.eq(id))
        .and(UPLOAD_LOCKS.RELEASE_REQUESTED.isFalse())
        .execute();
  }

  private void beat() {
    if (held.isEmpty()) {
      return;
    }
    try {
      List<Record2<String, Boolean>> rows =
          dsl.update(UPLOAD_LOCKS)
              .set(UPLOAD_LOCKS.HEARTBEAT_AT, DSL.currentOffsetDateTime())
              .where(UPLOAD_LOCKS.HOLDER.in(held.keySet()))
              .returningResult(UPLOAD_LOCKS.HOLDER, UPLOAD_LOCKS.RELEASE_REQUESTED)
              .fetch();
      for (Record2<String, Boolean> row : rows) {
        HeldLock lock = held.get(row.value1());
        if (lock != null && Boolean.TRUE.equals(row.value2())) {
          lock.releaseRequested();
        }
      }
    } catch (RuntimeException e) {
      log.warn("LockHeartbeatFailed held={} error={}", held.size(), e.toString());
    }
  }

  @Override
  public void close() {
    heartbeat.shutdownNow();
    for (HeldLock lock : held.values()) {
      lock.close();
    }
  }

  private final class HeldLock implements Lock {
    private final UUID id;
    private final String holder;
    private volatile Runnable onRelease;
    private volatile boolean closed;

    HeldLock(UUID id, String holder) {
      this.id = id;
      this.holder = holder;
    }

    @Override
    public UUID uploadId() {
      return id;
    }

    @Override
    public void onReleaseRequested(Runnable action) {
      this.onRelease = action;
    }

    void releaseRequested() {
      Runnable r = onRelease;
      if (r != null) {
        r.run();
      }
      // The request may still be active: clear the flag so the next waiter asks again.
      dsl.update(UPLOAD_LOCKS)
          .set(UPLOAD_LOCKS.RELEASE_REQUESTED, false)
          .where(UPLOAD_LOCKS.HOLDER.eq(holder))
          .execute();
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      held.remove(holder);
      try {
        dsl.deleteFrom(UPLOAD_LOCKS)
            .where(UPLOAD_LOCKS.UPLOAD_ID.eq(id).and(UPLOAD_LOCKS.HOLDER.eq(holder)))
            .execute();
      } catch (RuntimeException e) {
        log.warn("LockReleaseFailed id={} error={} (the lease will expire)", id, e.toString());
      }
    }
  }
}
