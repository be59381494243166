package dev.forgeupload.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.core.NewUpload;
import dev.forgeupload.core.OwnerLimits;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadQueries;
import dev.forgeupload.core.UploadState;
import dev.forgeupload.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Parts of final uploads on real PostgreSQL: settling them and creating a final from them
 * exclude each other (row locks), the statistics count each file once, and the V5 migration
 * settles the parts of finals stored before it.
 */
class ConcatenatedPartsIT {
  private static final String OWNER = "alice";
  String url;
  Database db;
  JooqUploadRepository repo;
  JooqStoringClaims claims;
  JooqUploadQueries queries;

  @BeforeEach
  void setUp() {
    url = TestDatabase.freshDatabaseUrl();
    db = new Database(url, "postgres", null, 8);
    db.migrate();
    repo = new JooqUploadRepository(db.dsl(), Duration.ofSeconds(6));
    claims = new JooqStoringClaims(db.dsl());
    queries = new JooqUploadQueries(db.dsl());
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private Upload part(long length, long offset) {
    return repo.create(newUpload(UploadKind.PARTIAL, length, null), offset);
  }

  private Upload finalOf(Upload... parts) {
    Upload f =
        repo.create(newUpload(UploadKind.FINAL, null, java.util.Arrays.stream(parts)
            .map(Upload::id).toList()), 0, null, new OwnerLimits(0, 100));
    return repo.refreshFinal(f.id()).orElseThrow();
  }

  private static NewUpload newUpload(UploadKind kind, Long length, List<UUID> parts) {
    return new NewUpload(UUID.randomUUID(), OWNER, length, kind, parts, Map.of(), null,
        "127.0.0.1", OffsetDateTime.now().plusDays(1));
  }

  private void store(Upload fin) {
    assertThat(claims.claimForStoring(fin.id(), "w", Duration.ofSeconds(30))).isPresent();
    assertThat(claims.markStored(fin.id(), "w", "key/" + fin.id(), "sha")).isTrue();
  }

  private UploadState state(Upload u) {
    return repo.find(u.id()).orElseThrow().state();
  }

  @Test
  void settling_waits_for_a_final_being_created_from_the_same_part_and_then_keeps_it()
      throws Exception {
    Upload p1 = part(10, 10);
    Upload p2 = part(20, 20);
    Upload first = finalOf(p1, p2);
    store(first);
    UUID second = UUID.randomUUID();
    try (Connection c = db.dataSource().getConnection()) {
      // a final naming p2 is being created: its parts are share-locked until it commits
      c.setAutoCommit(false);
      try (PreparedStatement s =
          c.prepareStatement("SELECT id FROM uploads WHERE id = ? FOR SHARE")) {
        s.setObject(1, p2.id());
        s.executeQuery().close();
      }
      try (PreparedStatement s =
          c.prepareStatement(
              "INSERT INTO uploads (id, owner, upload_type, concat_parts) VALUES (?, ?, 'final', ?)")) {
        s.setObject(1, second);
        s.setString(2, OWNER);
        s.setArray(3, c.createArrayOf("uuid", new Object[] {p2.id()}));
        s.executeUpdate();
      }
      CompletableFuture<List<Upload>> settled =
          CompletableFuture.supplyAsync(() -> repo.settleParts(first.id(), false));
      assertThatThrownBy(() -> settled.get(700, TimeUnit.MILLISECONDS))
          .isInstanceOf(TimeoutException.class);
      c.commit();
      assertThat(settled.get(10, TimeUnit.SECONDS))
          .extracting(Upload::id).containsExactly(p1.id());
    }
    assertThat(state(p1)).isEqualTo(UploadState.CONCATENATED);
    assertThat(state(p2)).as("the unfinished final needs it").isEqualTo(UploadState.UPLOADING);
  }

  @Test
  void a_final_created_while_its_part_is_being_settled_sees_what_settling_decided()
      throws Exception {
    Upload p1 = part(10, 10);
    Upload first = finalOf(p1);
    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      // settling (here: the first final was deleted) holds the part exclusively while it decides
      try (PreparedStatement s =
          c.prepareStatement("UPDATE uploads SET state = 'deleted' WHERE id = ?")) {
        s.setObject(1, p1.id());
        s.executeUpdate();
      }
      CompletableFuture<Upload> created = CompletableFuture.supplyAsync(() -> finalOf(p1));
      assertThatThrownBy(() -> created.get(700, TimeUnit.MILLISECONDS))
          .isInstanceOf(TimeoutException.class);
      c.commit();
      assertThatThrownBy(() -> created.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(UploadException.class)
          .cause()
          .satisfies(e -> assertThat(e).hasMessageContaining("is deleted"));
    }
    assertThat(db.dsl().fetchCount(db.dsl().selectFrom("uploads").where("upload_type = 'final'")))
        .isEqualTo(1);
    assertThat(first.concatParts()).containsExactly(p1.id());
  }

  @Test
  void deleting_a_final_settles_its_parts_as_deleted_unless_another_final_holds_them() {
    Upload p1 = part(10, 10);
    Upload p2 = part(20, 20);
    Upload f1 = finalOf(p1, p2);
    Upload f2 = finalOf(p2);
    store(f1);
    assertThat(repo.settleParts(f1.id(), false)).extracting(Upload::id).containsExactly(p1.id());
    store(f2);
    assertThat(repo.settleParts(f2.id(), false)).extracting(Upload::id).containsExactly(p2.id());
    assertThat(repo.finalsListing(p2.id())).extracting(Upload::id)
        .containsExactly(f1.id(), f2.id());

    repo.markState(f1.id(), UploadState.DELETED, null);
    assertThat(repo.settleParts(f1.id(), true)).extracting(Upload::id).containsExactly(p1.id());
    assertThat(state(p1)).isEqualTo(UploadState.DELETED);
    assertThat(state(p2)).isEqualTo(UploadState.CONCATENATED);
    assertThat(dev.forgeupload.core.ConcatParts.holder(repo.finalsListing(p2.id())))
        .map(Upload::id).hasValue(f2.id());
    assertThat(repo.usage(OWNER)).isEqualTo(new OwnerLimits.Usage(20, 0));
  }

  @Test
  void statistics_count_each_file_once_and_no_deleted_upload() {
    // stored: parts concatenated, the final counts
    Upload a1 = part(100, 100);
    Upload a2 = part(50, 50);
    Upload a = finalOf(a1, a2);
    store(a);
    repo.settleParts(a.id(), false);
    // complete but not stored yet: its parts count through it
    Upload b1 = part(7, 7);
    finalOf(b1);
    // unfinished: its parts count on their own (the final has no bytes yet)
    Upload c1 = part(30, 30);
    Upload c2 = part(40, 15);
    finalOf(c1, c2);
    // deleted: not at all
    Upload gone = repo.create(newUpload(UploadKind.REGULAR, 1000L, null), 1000);
    repo.markState(gone.id(), UploadState.DELETED, null);

    UploadQueries.Stats s = queries.stats(30);

    long bytes = s.perDay().stream().mapToLong(UploadQueries.DayCount::bytes).sum();
    long uploads = s.perDay().stream().mapToLong(UploadQueries.DayCount::uploads).sum();
    assertThat(bytes).isEqualTo(150 + 7 + 30 + 15);
    assertThat(uploads).as("a, b, c1, c2 and c").isEqualTo(5);
    assertThat(s.byType().stream().mapToLong(UploadQueries.TypeCount::bytes).sum())
        .isEqualTo(bytes);
    assertThat(s.byState())
        .isEqualTo(Map.of("stored", 1L, "queued", 1L, "uploading", 3L));
    assertThat(s.storedBytes()).isEqualTo(150);
    assertThat(s.storedObjects()).isEqualTo(1);
  }

  @Test
  void the_v5_migration_settles_parts_of_finals_stored_before_it() throws Exception {
    String old = TestDatabase.freshDatabaseUrl();
    Flyway.configure().dataSource(old, "postgres", null).locations("classpath:db/migration")
        .target("4").load().migrate();
    UUID p1 = UUID.randomUUID();
    UUID p2 = UUID.randomUUID();
    UUID p3 = UUID.randomUUID();
    try (Database before = new Database(old, "postgres", null, 2)) {
      var dsl = before.dsl();
      for (UUID p : List.of(p1, p2, p3)) {
        dsl.execute("INSERT INTO uploads (id, length, \"offset\", upload_type, completed_at)"
            + " VALUES (?, 5, 5, 'partial', now())", p);
      }
      dsl.execute("INSERT INTO uploads (id, length, \"offset\", upload_type, concat_parts, state,"
          + " completed_at) VALUES (?, 10, 10, 'final', ARRAY[?, ?]::uuid[], 'stored', now())",
          UUID.randomUUID(), p1, p2);
      // p2 and p3 are also in a final that failed but can be retried: they stay
      dsl.execute("INSERT INTO uploads (id, length, \"offset\", upload_type, concat_parts, state,"
          + " completed_at) VALUES (?, 10, 10, 'final', ARRAY[?, ?]::uuid[], 'failed', now())",
          UUID.randomUUID(), p2, p3);
    }
    try (Database after = new Database(old, "postgres", null, 2)) {
      after.migrate();
      JooqUploadRepository r = new JooqUploadRepository(after.dsl(), Duration.ofSeconds(6));
      assertThat(r.find(p1).orElseThrow().state()).isEqualTo(UploadState.CONCATENATED);
      assertThat(r.find(p2).orElseThrow().state()).isEqualTo(UploadState.UPLOADING);
      assertThat(r.find(p3).orElseThrow().state()).isEqualTo(UploadState.UPLOADING);
    }
  }
}
