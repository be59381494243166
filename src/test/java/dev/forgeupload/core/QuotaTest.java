package dev.forgeupload.core;

import static dev.forgeupload.core.CoreFixture.body;
import static dev.forgeupload.core.CoreFixture.declaring;
import static dev.forgeupload.core.CoreFixture.patch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 3: the owner's quota and unfinished-upload limits at their boundaries, in
 * {@link OwnerLimits} and through the write path ({@link Quota} and the repository's atomic
 * decisions, here the in-memory one).
 */
class QuotaTest {
  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static Problem problemOf(Runnable r) {
    try {
      r.run();
    } catch (UploadException e) {
      return e.problem();
    }
    return null;
  }

  @Test
  void usage_plus_the_new_length_may_equal_the_quota_and_not_pass_it() {
    OwnerLimits l = new OwnerLimits(100, 0);
    assertThatCode(() -> l.check("ann", new OwnerLimits.Usage(60, 0), 40, true))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> l.check("ann", new OwnerLimits.Usage(60, 0), 41, true))
        .isInstanceOfSatisfying(UploadException.class, e -> {
          assertThat(e.problem()).isEqualTo(Problem.QUOTA_EXCEEDED);
          assertThat(e.status()).isEqualTo(413);
          assertThat(e.getMessage()).isEqualTo(
              "this upload needs 41 bytes but only 40 of the quota of 100 bytes are left");
        });
    // over the quota already: nothing is left, never a negative number
    assertThatThrownBy(() -> l.check("ann", new OwnerLimits.Usage(150, 0), 1, true))
        .hasMessageContaining("only 0 of the quota");
  }

  @Test
  void unfinished_uploads_up_to_the_maximum_and_not_one_more() {
    OwnerLimits l = new OwnerLimits(0, 3);
    assertThatCode(() -> l.check("ann", new OwnerLimits.Usage(0, 2), 5, true))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> l.check("ann", new OwnerLimits.Usage(0, 3), 5, true))
        .isInstanceOfSatisfying(UploadException.class, e -> {
          assertThat(e.problem()).isEqualTo(Problem.TOO_MANY_UPLOADS);
          assertThat(e.status()).isEqualTo(429);
          assertThat(e.getMessage()).startsWith("at most 3 unfinished uploads per user");
        });
    // a length that grows later is not a new upload
    assertThatCode(() -> l.check("ann", new OwnerLimits.Usage(0, 3), 5, false))
        .doesNotThrowAnyException();
  }

  @Test
  void zero_switches_a_limit_off() {
    assertThat(OwnerLimits.NONE.any()).isFalse();
    assertThat(new OwnerLimits(1, 0).any()).isTrue();
    assertThat(new OwnerLimits(0, 1).any()).isTrue();
    assertThatCode(() -> OwnerLimits.NONE.check("ann", new OwnerLimits.Usage(1L << 50, 1 << 20),
        1L << 50, true)).doesNotThrowAnyException();
  }

  @Test
  void a_creation_may_take_exactly_the_rest_of_the_quota() throws IOException {
    CoreFixture f = new CoreFixture(ContentPolicy.defaults(), new OwnerLimits(100, 0), 1000);
    Upload held = f.writer().create(f.newUpload("ann", 60L, UploadKind.REGULAR, null, null));
    f.append(held.id(), 0, random(60));
    assertThat(problemOf(() -> f.writer().create(
        f.newUpload("ann", 41L, UploadKind.REGULAR, null, null))))
        .isEqualTo(Problem.QUOTA_EXCEEDED);
    assertThat(f.writer().create(f.newUpload("ann", 40L, UploadKind.REGULAR, null, null))
        .length()).isEqualTo(40);
    assertThat(problemOf(() -> f.writer().create(
        f.newUpload("ann", 1L, UploadKind.REGULAR, null, null))))
        .isEqualTo(Problem.QUOTA_EXCEEDED);
    // someone else's quota is their own; and an upload with no owner has none
    assertThat(f.writer().create(f.newUpload("bob", 100L, UploadKind.REGULAR, null, null)))
        .isNotNull();
    assertThat(f.writer().create(f.newUpload(null, 1000L, UploadKind.REGULAR, null, null)))
        .isNotNull();
  }

  @Test
  void a_creation_with_a_body_is_refused_before_its_body_when_over_the_quota() {
    CoreFixture f = new CoreFixture(ContentPolicy.defaults(), new OwnerLimits(100, 0), 1000);
    NewUpload n = f.newUpload("ann", 101L, UploadKind.REGULAR, null, null);
    assertThatThrownBy(() -> f.writer().createWithBody(n, patch(0), new java.io.InputStream() {
          @Override
          public int read() {
            throw new AssertionError("the body was read");
          }
        }))
        .isInstanceOfSatisfying(UploadException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.QUOTA_EXCEEDED));
    assertThat(f.repo.find(n.id())).isEmpty();
  }

  @Test
  void a_deferred_creation_with_a_body_may_send_exactly_what_the_quota_has_left()
      throws IOException {
    CoreFixture f = new CoreFixture(ContentPolicy.defaults(), new OwnerLimits(100, 0), 1000);
    Upload held = f.writer().create(f.newUpload("ann", 30L, UploadKind.REGULAR, null, null));
    assertThat(held).isNotNull();
    NewUpload over = f.newUpload("ann", null, UploadKind.REGULAR, null, null);
    assertThat(problemOf(() -> {
      try {
        f.writer().createWithBody(over, patch(0), body(random(71)));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    })).isEqualTo(Problem.TOO_LARGE);
    NewUpload fits = f.newUpload("ann", null, UploadKind.REGULAR, null, null);
    assertThat(f.writer().createWithBody(fits, patch(0), body(random(70))).offset())
        .isEqualTo(70);
  }

  @Test
  void a_deferred_creation_with_a_body_over_a_full_quota_may_send_nothing() throws IOException {
    CoreFixture f = new CoreFixture(ContentPolicy.defaults(), new OwnerLimits(100, 0), 1000);
    f.writer().create(f.newUpload("ann", 100L, UploadKind.REGULAR, null, null));
    NewUpload n = f.newUpload("ann", null, UploadKind.REGULAR, null, null);
    assertThat(f.writer().createWithBody(n, patch(0), body(new byte[0])).offset()).isZero();
  }

  @Test
  void the_active_limit_counts_unfinished_uploads_at_creation() throws IOException {
    CoreFixture f = new CoreFixture(ContentPolicy.defaults(), new OwnerLimits(0, 2), 1000);
    f.writer().create(f.newUpload("ann", 10L, UploadKind.REGULAR, null, null));
    Upload second = f.writer().create(f.newUpload("ann", 10L, UploadKind.REGULAR, null, null));
    NewUpload third = f.newUpload("ann", 10L, UploadKind.REGULAR, null, null);
    assertThat(problemOf(() -> f.writer().create(third))).isEqualTo(Problem.TOO_MANY_UPLOADS);
    assertThat(problemOf(() -> {
      try {
        f.writer().createWithBody(third, patch(0), body(random(10)));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    })).isEqualTo(Problem.TOO_MANY_UPLOADS);
    // finishing one frees its place
    f.append(second.id(), 0, random(10));
    assertThat(f.writer().create(third).owner()).isEqualTo("ann");
  }

  @Test
  void a_deferred_patch_may_write_exactly_what_the_quota_has_left() throws IOException {
    CoreFixture f = new CoreFixture(ContentPolicy.defaults(), new OwnerLimits(100, 0), 1000);
    f.writer().create(f.newUpload("ann", 40L, UploadKind.REGULAR, null, null));
    Upload u = f.writer().create(f.newUpload("ann", null, UploadKind.REGULAR, null, null));
    f.append(u.id(), 0, random(20));
    assertThat(problemOf(() -> {
      try {
        f.append(u.id(), 20, random(41));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    })).isEqualTo(Problem.TOO_LARGE);
    assertThat(f.repo.rows.reserved).as("the reservation ends with the PATCH").isEmpty();
    assertThat(f.append(u.id(), 20, random(40)).offset()).isEqualTo(60);
    assertThat(f.repo.rows.reserved).isEmpty();
    // with a Content-Length the reservation is that much, not everything left
    Upload v = f.writer().create(f.newUpload("bob", null, UploadKind.REGULAR, null, null));
    assertThat(f.writer().append(v.id(), new Patch(0, null, 5L, null, false, null),
        body(random(5))).offset()).isEqualTo(5);
  }

  @Test
  void a_reservation_takes_the_content_length_or_all_that_is_left() {
    ConcatUploadRepository repo = new ConcatUploadRepository();
    Quota q = new Quota(repo).with(new OwnerLimits(100, 0));
    NewUpload n = new NewUpload(java.util.UUID.randomUUID(), "ann", null, UploadKind.REGULAR,
        null, java.util.Map.of(), null, "::1", null);
    Upload u = repo.create(n, 10, null, OwnerLimits.NONE);
    try (Quota.Reservation r = q.reserve(u, 30L, 90)) {
      assertThat(r.limit).isEqualTo(30);
      assertThat(repo.rows.reserved).containsEntry(u.id(), 40L);
    }
    assertThat(repo.rows.reserved).isEmpty();
    try (Quota.Reservation r = q.reserve(u, null, 90)) {
      assertThat(r.limit).isEqualTo(90);
    }
    try (Quota.Reservation r = q.reserve(u, 500L, 90)) {
      assertThat(r.limit).as("never more than the limit").isEqualTo(90);
    }
    // a known length, no owner, or no quota: no reservation, the whole limit
    Quota none = new Quota(repo).with(new OwnerLimits(0, 5));
    try (Quota.Reservation r = none.reserve(u, 30L, 90)) {
      assertThat(r.limit).isEqualTo(90);
      assertThat(repo.rows.reserved).isEmpty();
    }
    Upload known = repo.create(new NewUpload(java.util.UUID.randomUUID(), "ann", 50L,
        UploadKind.REGULAR, null, java.util.Map.of(), null, "::1", null), 0, null,
        OwnerLimits.NONE);
    try (Quota.Reservation r = q.reserve(known, 30L, 50)) {
      assertThat(r.limit).isEqualTo(50);
      assertThat(repo.rows.reserved).isEmpty();
    }
    assertThat(q.limits()).isEqualTo(new OwnerLimits(100, 0));
  }

  @Test
  void before_a_new_body_the_limit_is_the_rest_of_the_quota_only_for_a_deferred_length() {
    ConcatUploadRepository repo = new ConcatUploadRepository();
    repo.create(new NewUpload(java.util.UUID.randomUUID(), "ann", 30L, UploadKind.REGULAR, null,
        java.util.Map.of(), null, "::1", null), 0, null, OwnerLimits.NONE);
    Quota q = new Quota(repo).with(new OwnerLimits(100, 0));
    NewUpload deferred = new NewUpload(java.util.UUID.randomUUID(), "ann", null,
        UploadKind.REGULAR, null, java.util.Map.of(), null, "::1", null);
    assertThat(q.beforeNewBody(deferred, 1000)).isEqualTo(70);
    assertThat(q.beforeNewBody(deferred, 50)).isEqualTo(50);
    NewUpload known = new NewUpload(java.util.UUID.randomUUID(), "ann", 20L, UploadKind.REGULAR,
        null, java.util.Map.of(), null, "::1", null);
    assertThat(q.beforeNewBody(known, 20)).isEqualTo(20);
    NewUpload nobody = new NewUpload(java.util.UUID.randomUUID(), null, null, UploadKind.REGULAR,
        null, java.util.Map.of(), null, "::1", null);
    assertThat(q.beforeNewBody(nobody, 1000)).isEqualTo(1000);
    assertThat(new Quota(repo).beforeNewBody(deferred, 1000)).isEqualTo(1000);
    Quota activeOnly = new Quota(repo).with(new OwnerLimits(0, 5));
    assertThat(activeOnly.beforeNewBody(deferred, 1000)).isEqualTo(1000);
  }

  @Test
  void a_late_length_may_bring_usage_exactly_to_the_quota() throws IOException {
    CoreFixture f = new CoreFixture(ContentPolicy.defaults(), new OwnerLimits(100, 0), 1000);
    f.writer().create(f.newUpload("ann", 50L, UploadKind.REGULAR, null, null));
    Upload u = f.writer().create(f.newUpload("ann", null, UploadKind.REGULAR, null, null));
    f.append(u.id(), 0, random(10));
    assertThat(problemOf(() -> {
      try {
        f.writer().append(u.id(), declaring(10, 51), body(new byte[0]));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    })).isEqualTo(Problem.QUOTA_EXCEEDED);
    assertThat(f.writer().append(u.id(), declaring(10, 50), body(new byte[0])).length())
        .isEqualTo(50);
  }
}
