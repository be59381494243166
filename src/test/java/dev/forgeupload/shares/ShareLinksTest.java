package dev.forgeupload.shares;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadState;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Share link rules on a map store and a clock the test moves: tokens, hashes, expiry, counts. */
class ShareLinksTest {
  private static final Principal ALICE = new Principal("alice", false, "jwt");
  private static final Principal BOB = new Principal("bob", false, "jwt");
  private static final Principal ADMIN = new Principal("root", true, "jwt");

  private final MovableClock clock = new MovableClock(Instant.parse("2026-12-02T10:00:00Z"));
  private final Map<UUID, Upload> uploads = new ConcurrentHashMap<>();
  private final MemoryShareStore store = new MemoryShareStore();
  private final ShareLinks links =
      new ShareLinks(store, id -> Optional.ofNullable(uploads.get(id)),
          new ShareTokens(new SecureRandom()), null, Duration.ofHours(1), clock);

  private UUID upload(String owner, UploadState state) {
    UUID id = UUID.randomUUID();
    OffsetDateTime t = OffsetDateTime.now(clock);
    uploads.put(id, new Upload(id, owner, "a.txt", "text/plain", 3L, 3, state,
        UploadKind.REGULAR, List.of(), Map.of(), null, null, "k", null, null, t, t, t, t, null));
    return id;
  }

  private static Problem problem(Runnable r) {
    try {
      r.run();
    } catch (UploadException e) {
      return e.problem();
    }
    throw new AssertionError("no refusal");
  }

  @Test
  void tokens_carry_256_random_bits_and_only_their_hash_is_stored() {
    ShareTokens tokens = new ShareTokens(new SecureRandom());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String t = tokens.generate();
      assertThat(ShareTokens.wellFormed(t)).isTrue();
      assertThat(java.util.Base64.getUrlDecoder().decode(t)).hasSize(32);
      assertThat(seen.add(t)).isTrue();
    }
    UUID id = upload("alice", UploadState.STORED);
    ShareLinks.Created c = links.create(ALICE, id, new ShareLinks.Request(null, null), null);
    assertThat(c.share().tokenHash()).isEqualTo(ShareTokens.hash(c.token()))
        .doesNotContain(c.token()).hasSize(64).matches("[0-9a-f]{64}");
    assertThat(store.findByHash(c.token())).isEmpty();
  }

  @Test
  void the_hash_is_sha256_and_hashes_compare_equal_only_when_equal() {
    // SHA-256("abc")
    assertThat(ShareTokens.hash("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    String h = ShareTokens.hash("x".repeat(43));
    assertThat(ShareTokens.sameHash(h, ShareTokens.hash("x".repeat(43)))).isTrue();
    assertThat(ShareTokens.sameHash(h, ShareTokens.hash("y".repeat(43)))).isFalse();
    assertThat(ShareTokens.sameHash(h, h.substring(1))).isFalse();
    assertThat(ShareTokens.sameHash(h, null)).isFalse();
  }

  @Test
  void malformed_tokens_are_not_well_formed() {
    Random r = new Random(16);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < 500; i++) {
      int len = r.nextInt(90);
      StringBuilder b = new StringBuilder();
      for (int j = 0; j < len; j++) {
        b.append(r.nextInt(10) == 0 ? (char) (r.nextInt(0x7f)) : alphabet.charAt(r.nextInt(64)));
      }
      String t = b.toString();
      boolean expected = len == 43 && t.chars().allMatch(c -> alphabet.indexOf(c) >= 0);
      assertThat(ShareTokens.wellFormed(t)).as(t).isEqualTo(expected);
    }
    assertThat(ShareTokens.wellFormed(null)).isFalse();
    assertThat(ShareTokens.wellFormed("a".repeat(42) + "=")).isFalse();
  }

  @Test
  void malformed_unknown_and_revoked_tokens_are_404() {
    UUID id = upload("alice", UploadState.STORED);
    ShareLinks.Created c = links.create(ALICE, id, new ShareLinks.Request(null, null), null);
    assertThat(problem(() -> links.open("nope"))).isEqualTo(Problem.NOT_FOUND);
    assertThat(problem(() -> links.open(new ShareTokens(new SecureRandom()).generate())))
        .isEqualTo(Problem.NOT_FOUND);
    assertThat(links.open(c.token()).upload().id()).isEqualTo(id);
    links.revoke(ALICE, c.share().id(), null);
    assertThat(problem(() -> links.open(c.token()))).isEqualTo(Problem.NOT_FOUND);
  }

  @Test
  void a_link_expires_at_its_time_and_is_410_from_then_on() {
    UUID id = upload("alice", UploadState.STORED);
    ShareLinks.Created c = links.create(ALICE, id, new ShareLinks.Request(60L, null), null);
    assertThat(c.share().expiresAt().toInstant()).isEqualTo(clock.instant().plusSeconds(60));
    clock.advance(Duration.ofSeconds(59));
    ShareLinks.Opened o = links.open(c.token());
    links.count(o, null, 0, 3);
    clock.advance(Duration.ofSeconds(1));
    assertThat(problem(() -> links.open(c.token()))).isEqualTo(Problem.GONE);
    // opened just before, counted just after: refused too
    assertThat(problem(() -> links.count(o, null, 0, 3))).isEqualTo(Problem.GONE);
  }

  @Test
  void lifetimes_default_to_the_maximum_and_bad_values_are_refused_with_a_reason() {
    UUID id = upload("alice", UploadState.STORED);
    ShareLinks.Created c = links.create(ALICE, id, new ShareLinks.Request(null, null), null);
    assertThat(Duration.between(c.share().createdAt(), c.share().expiresAt()))
        .isEqualTo(Duration.ofHours(1));
    assertThat(c.share().maxDownloads()).isNull();
    for (long bad : new long[] {0, -1, 3601}) {
      assertThatThrownBy(() -> links.create(ALICE, id, new ShareLinks.Request(bad, null), null))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expires_in_seconds");
    }
    for (long bad : new long[] {0, -5, ShareLinks.MAX_DOWNLOADS_LIMIT + 1L}) {
      assertThatThrownBy(() -> links.create(ALICE, id, new ShareLinks.Request(null, bad), null))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_downloads");
    }
  }

  @Test
  void only_stored_uploads_are_shared_and_only_by_their_owner_or_an_admin() {
    UUID queued = upload("alice", UploadState.QUEUED);
    assertThat(problem(() -> links.create(ALICE, queued, new ShareLinks.Request(null, null), null)))
        .isEqualTo(Problem.NOT_STORED);
    UUID id = upload("alice", UploadState.STORED);
    assertThat(problem(() -> links.create(BOB, id, new ShareLinks.Request(null, null), null)))
        .isEqualTo(Problem.NOT_FOUND);
    ShareLinks.Created c = links.create(ADMIN, id, new ShareLinks.Request(null, null), null);
    assertThat(problem(() -> links.list(BOB, id))).isEqualTo(Problem.NOT_FOUND);
    assertThat(problem(() -> links.revoke(BOB, c.share().id(), null))).isEqualTo(Problem.NOT_FOUND);
    assertThat(links.list(ALICE, id)).extracting(Share::id).containsExactly(c.share().id());
  }

  @Test
  void a_deleted_upload_makes_its_links_410() {
    UUID id = upload("alice", UploadState.STORED);
    ShareLinks.Created c = links.create(ALICE, id, new ShareLinks.Request(null, null), null);
    Upload u = uploads.get(id);
    uploads.put(id, new Upload(u.id(), u.owner(), u.filename(), u.contentType(), u.length(),
        u.offset(), UploadState.DELETED, u.kind(), u.concatParts(), u.metadata(), null, null,
        null, null, null, u.createdAt(), u.updatedAt(), u.completedAt(), u.storedAt(), null));
    assertThat(problem(() -> links.open(c.token()))).isEqualTo(Problem.GONE);
  }

  @Test
  void parallel_downloads_never_pass_max_downloads() throws Exception {
    UUID id = upload("alice", UploadState.STORED);
    ShareLinks.Created c = links.create(ALICE, id, new ShareLinks.Request(null, 5L), null);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    AtomicInteger served = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<java.util.concurrent.Future<?>> all = new java.util.ArrayList<>();
      for (int i = 0; i < 40; i++) {
        all.add(pool.submit(() -> {
          go.await();
          try {
            links.count(links.open(c.token()), null, 0, 3);
            served.incrementAndGet();
          } catch (UploadException e) {
            assertThat(e.problem()).isEqualTo(Problem.GONE);
            refused.incrementAndGet();
          }
          return null;
        }));
      }
      go.countDown();
      for (var f : all) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(served.get()).isEqualTo(5);
    assertThat(refused.get()).isEqualTo(35);
    assertThat(store.find(c.share().id()).orElseThrow().downloads()).isEqualTo(5);
    assertThat(problem(() -> links.open(c.token()))).isEqualTo(Problem.GONE);
  }

  @Test
  void status_checks_revoked_before_expired_before_used_up() {
    OffsetDateTime t = OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    Share s = new Share(UUID.randomUUID(), UUID.randomUUID(), "h", null, t, t.plusSeconds(10),
        1, 1, t);
    assertThat(s.status(t)).isEqualTo(Share.Status.REVOKED);
    Share notRevoked = new Share(s.id(), s.uploadId(), "h", null, t, t.plusSeconds(10), 1, 1, null);
    assertThat(notRevoked.status(t.plusSeconds(10))).isEqualTo(Share.Status.EXPIRED);
    assertThat(notRevoked.status(t.plusSeconds(9))).isEqualTo(Share.Status.USED_UP);
    Share open = new Share(s.id(), s.uploadId(), "h", null, t, t.plusSeconds(10), null, 9, null);
    assertThat(open.status(t.plusSeconds(9))).isEqualTo(Share.Status.ACTIVE);
  }

  /** A clock the test moves by hand. */
  static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant start) {
      now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
