package dev.forgeupload.shares;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What every {@link ShareStore} must do; each implementation's test extends this. */
public abstract class ShareStoreContract {
  protected static final OffsetDateTime T =
      OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);

  protected abstract ShareStore store();

  /** An upload the links may point at (a row, where the store checks the reference). */
  protected abstract UUID newUpload();

  private Share link(UUID upload, int ageSeconds, Integer max) {
    String hash = ShareTokens.hash(new ShareTokens(new java.security.SecureRandom()).generate());
    return new Share(UUID.randomUUID(), upload, hash, "alice", T.minusSeconds(ageSeconds),
        T.plusSeconds(60), max, 0, null);
  }

  @Test
  void links_are_found_by_id_and_hash_and_listed_newest_first() {
    UUID u = newUpload();
    Share old = store().insert(link(u, 20, null));
    Share young = store().insert(link(u, 10, 3));
    store().insert(link(newUpload(), 0, null));
    assertThat(store().find(old.id())).contains(old);
    assertThat(store().findByHash(young.tokenHash())).contains(young);
    assertThat(store().findByHash(ShareTokens.hash("nope"))).isEmpty();
    assertThat(store().forUpload(u)).extracting(Share::id).containsExactly(young.id(), old.id());
    assertThat(young.maxDownloads()).isEqualTo(3);
  }

  @Test
  void a_link_is_revoked_once_and_then_counts_nothing() {
    Share s = store().insert(link(newUpload(), 0, null));
    assertThat(store().countDownload(s.tokenHash(), T)).map(Share::downloads).contains(1);
    assertThat(store().revoke(s.id(), T)).isTrue();
    assertThat(store().revoke(s.id(), T.plusSeconds(1))).isFalse();
    assertThat(store().find(s.id()).orElseThrow().revokedAt()).isEqualTo(T);
    assertThat(store().countDownload(s.tokenHash(), T)).isEmpty();
    assertThat(store().revoke(UUID.randomUUID(), T)).isFalse();
  }

  @Test
  void counting_stops_at_the_maximum_and_at_the_expiry() {
    Share two = store().insert(link(newUpload(), 0, 2));
    assertThat(store().countDownload(two.tokenHash(), T)).map(Share::downloads).contains(1);
    assertThat(store().countDownload(two.tokenHash(), T)).map(Share::downloads).contains(2);
    assertThat(store().countDownload(two.tokenHash(), T)).isEmpty();
    assertThat(store().find(two.id()).orElseThrow().downloads()).isEqualTo(2);
    Share open = store().insert(link(newUpload(), 0, null));
    assertThat(store().countDownload(open.tokenHash(), T.plusSeconds(59))).isPresent();
    assertThat(store().countDownload(open.tokenHash(), T.plusSeconds(60))).isEmpty();
    assertThat(store().countDownload(ShareTokens.hash("unknown"), T)).isEmpty();
  }

  @Test
  void parallel_counts_never_pass_the_maximum() throws Exception {
    Share s = store().insert(link(newUpload(), 0, 7));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Optional<Share>>> all = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        all.add(pool.submit(() -> {
          go.await();
          return store().countDownload(s.tokenHash(), T);
        }));
      }
      go.countDown();
      List<Integer> counts = new ArrayList<>();
      for (Future<Optional<Share>> f : all) {
        f.get().ifPresent(x -> counts.add(x.downloads()));
      }
      assertThat(counts).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7);
    } finally {
      pool.shutdownNow();
    }
    assertThat(store().find(s.id()).orElseThrow().downloads()).isEqualTo(7);
  }
}
