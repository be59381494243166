package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.OBJECTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.core.NewUpload;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadState;
import dev.forgeupload.objects.Compression;
import dev.forgeupload.objects.FrameIndex;
import dev.forgeupload.objects.ObjectCatalog;
import dev.forgeupload.testing.TestDatabase;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * The objects catalog on real PostgreSQL: the V12 trigger counts references with each upload's
 * state change, concurrent stores of equal content end on one entry, a lost claim rolls the new
 * entry back, removal and re-counting look at the uploads themselves.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class JooqObjectCatalogIT {
  private Database db;
  private JooqUploadRepository repo;
  private JooqStoringClaims claims;
  private JooqObjectCatalog catalog;

  @BeforeEach
  void setUp() {
    db = new Database(TestDatabase.freshDatabaseUrl(), "postgres", null, 8);
    db.migrate();
    repo = new JooqUploadRepository(db.dsl(), Duration.ofSeconds(6));
    claims = new JooqStoringClaims(db.dsl());
    catalog = new JooqObjectCatalog(db.dsl());
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  /** A complete upload claimed for storing by {@code worker}. */
  private Upload claimed(String worker) {
    Upload u = repo.create(new NewUpload(UUID.randomUUID(), "alice", 100L, UploadKind.REGULAR,
        List.of(), Map.of(), null, "127.0.0.1", OffsetDateTime.now().plusDays(1)), 100);
    repo.markState(u.id(), UploadState.QUEUED, null);
    return claims.claimForStoring(u.id(), worker, Duration.ofSeconds(30)).orElseThrow();
  }

  private int refcount(String key) {
    return db.dsl().select(OBJECTS.REFCOUNT).from(OBJECTS).where(OBJECTS.KEY.eq(key))
        .fetchOne(OBJECTS.REFCOUNT);
  }

  private static ObjectCatalog.Entry entry(String key, String sha) {
    return ObjectCatalog.Entry.plain(key, sha, 100);
  }

  @Test
  void the_count_follows_each_uploads_state_and_the_last_reference_frees_the_object() {
    Upload a = claimed("w");
    Upload b = claimed("w");
    ObjectCatalog.Commit ca = catalog.commitStored(a.id(), "w", entry("k/a", "s1"), true);
    assertThat(ca.outcome()).isEqualTo(ObjectCatalog.Outcome.STORED);
    assertThat(refcount("k/a")).isEqualTo(1);
    ObjectCatalog.Commit cb =
        catalog.commitStored(b.id(), "w", catalog.byContent("s1", 100).orElseThrow(), false);
    assertThat(cb.entry().key()).isEqualTo("k/a");
    assertThat(repo.find(b.id()).orElseThrow().storageKey()).isEqualTo("k/a");
    assertThat(refcount("k/a")).isEqualTo(2);

    repo.markState(a.id(), UploadState.DELETED, null);
    assertThat(refcount("k/a")).isEqualTo(1);
    assertThat(catalog.release("k/a")).isEqualTo(ObjectCatalog.Release.REFERENCED);
    repo.markState(b.id(), UploadState.DELETED, null);
    assertThat(refcount("k/a")).isZero();
    assertThat(catalog.unreferenced(10)).containsExactly("k/a");
    assertThat(catalog.release("k/a")).isEqualTo(ObjectCatalog.Release.REMOVED);
    assertThat(catalog.byKey("k/a")).isEmpty();
    assertThat(catalog.release("k/a")).isEqualTo(ObjectCatalog.Release.UNKNOWN);
  }

  @Test
  void concurrent_stores_of_equal_content_end_on_one_entry() throws Exception {
    for (int round = 0; round < 20; round++) {
      Upload a = claimed("w1");
      Upload b = claimed("w2");
      String sha = "race-" + round;
      String ka = "k/a" + round;
      String kb = "k/b" + round;
      CompletableFuture<ObjectCatalog.Commit> fa = CompletableFuture.supplyAsync(
          () -> catalog.commitStored(a.id(), "w1", entry(ka, sha), true));
      CompletableFuture<ObjectCatalog.Commit> fb = CompletableFuture.supplyAsync(
          () -> catalog.commitStored(b.id(), "w2", entry(kb, sha), true));
      ObjectCatalog.Commit ra = fa.get();
      ObjectCatalog.Commit rb = fb.get();
      assertThat(ra.outcome()).isEqualTo(ObjectCatalog.Outcome.STORED);
      assertThat(rb.outcome()).isEqualTo(ObjectCatalog.Outcome.STORED);
      assertThat(ra.entry().key()).as("round %d", round).isEqualTo(rb.entry().key());
      assertThat(refcount(ra.entry().key())).isEqualTo(2);
      assertThat(db.dsl().fetchCount(OBJECTS, OBJECTS.SHA256.eq(sha)))
          .isEqualTo(1);
    }
  }

  @Test
  void a_lost_claim_records_neither_the_upload_nor_the_object() {
    Upload a = claimed("w1");
    ObjectCatalog.Commit c = catalog.commitStored(a.id(), "other", entry("k/lost", "s2"), true);
    assertThat(c.outcome()).isEqualTo(ObjectCatalog.Outcome.CLAIM_LOST);
    assertThat(catalog.byKey("k/lost")).isEmpty();
    assertThat(repo.find(a.id()).orElseThrow().state()).isEqualTo(UploadState.STORING);
    assertThat(catalog.commitStored(a.id(), "w1", entry("k/lost", "s2"), false).outcome())
        .isEqualTo(ObjectCatalog.Outcome.NOT_WRITTEN);
  }

  @Test
  void a_wrong_count_is_set_from_the_uploads_and_never_lets_a_referenced_object_go() {
    Upload a = claimed("w");
    catalog.commitStored(a.id(), "w", entry("k/c", "s3"), true);
    db.dsl().execute("UPDATE objects SET refcount = 0 WHERE key = 'k/c'");
    assertThat(catalog.release("k/c")).isEqualTo(ObjectCatalog.Release.REFERENCED);
    assertThat(refcount("k/c")).isEqualTo(1);
    db.dsl().execute("UPDATE objects SET refcount = 9 WHERE key = 'k/c'");
    assertThat(catalog.recount(100)).isEqualTo(1);
    assertThat(refcount("k/c")).isEqualTo(1);
    assertThat(catalog.recount(100)).isZero();
  }

  @Test
  void a_frame_index_is_kept_and_read_back() {
    Upload a = claimed("w");
    FrameIndex index = new FrameIndex(40, new long[] {0, 11, 25}, 100, 31);
    catalog.commitStored(a.id(), "w",
        new ObjectCatalog.Entry("k/z", "s4", 100, 31, Compression.ZSTD, index), true);
    ObjectCatalog.Entry e = catalog.byKey("k/z").orElseThrow();
    assertThat(e.compression()).isEqualTo(Compression.ZSTD);
    assertThat(e.index()).isEqualTo(index);
    assertThat(e.physicalBytes()).isEqualTo(31);
  }
}
