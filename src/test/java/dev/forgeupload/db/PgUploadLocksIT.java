package dev.forgeupload.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.core.UploadLocks;
import dev.forgeupload.testing.TestDatabase;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PgUploadLocksIT {
  Database db;
  PgUploadLocks nodeA;
  PgUploadLocks nodeB;

  @BeforeEach
  void setUp() {
    db = new Database(TestDatabase.freshDatabaseUrl(), "postgres", null, 8);
    db.migrate();
    nodeA = new PgUploadLocks(db.dsl(), Duration.ofSeconds(2));
    nodeB = new PgUploadLocks(db.dsl(), Duration.ofSeconds(2));
  }

  @AfterEach
  void tearDown() {
    nodeA.close();
    nodeB.close();
    db.close();
  }

  @Test
  void a_held_lock_is_refused_to_another_node_until_released() {
    UUID id = UUID.randomUUID();
    UploadLocks.Lock a = nodeA.acquire(id, Duration.ZERO).orElseThrow();
    assertThat(nodeB.acquire(id, Duration.ofMillis(300))).isEmpty();
    assertThat(nodeA.acquire(id, Duration.ZERO)).as("also within one node").isEmpty();
    a.close();
    Optional<UploadLocks.Lock> b = nodeB.acquire(id, Duration.ZERO);
    assertThat(b).isPresent();
    b.get().close();
  }

  @Test
  void a_lease_kept_alive_by_the_heartbeat_does_not_expire() throws Exception {
    UUID id = UUID.randomUUID();
    UploadLocks.Lock a = nodeA.acquire(id, Duration.ZERO).orElseThrow();
    Thread.sleep(3_000); // longer than the 2 s lease
    assertThat(nodeB.acquire(id, Duration.ZERO)).isEmpty();
    a.close();
  }

  @Test
  void a_dead_holders_lease_is_taken_over_after_it_expires() {
    UUID id = UUID.randomUUID();
    nodeA.acquire(id, Duration.ZERO).orElseThrow();
    nodeA.close(); // closing releases; simulate death instead: stop heartbeat, keep the row
    db.dsl().execute("insert into upload_locks(upload_id, holder) values (?, 'dead-node:1')", id);
    long start = System.nanoTime();
    Optional<UploadLocks.Lock> b = nodeB.acquire(id, Duration.ofSeconds(6));
    long waitedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(b).isPresent();
    assertThat(waitedMs).isBetween(1_000L, 5_000L);
    b.get().close();
  }

  @Test
  void a_waiter_asks_the_holder_to_release() throws Exception {
    UUID id = UUID.randomUUID();
    UploadLocks.Lock a = nodeA.acquire(id, Duration.ZERO).orElseThrow();
    CountDownLatch asked = new CountDownLatch(1);
    a.onReleaseRequested(
        () -> {
          asked.countDown();
          a.close();
        });
    Optional<UploadLocks.Lock> b = nodeB.acquire(id, Duration.ofSeconds(3));
    assertThat(asked.await(1, TimeUnit.SECONDS)).isTrue();
    assertThat(b).isPresent();
    b.get().close();
  }
}
