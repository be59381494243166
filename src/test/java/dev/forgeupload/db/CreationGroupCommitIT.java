package dev.forgeupload.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.core.NewUpload;
import dev.forgeupload.core.OwnerLimits;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadState;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * New uploads created at the same moment are inserted together ({@link CreationInserts}) on real
 * PostgreSQL: small ones that arrived whole (with their bytes) and creations without a body. To
 * make them wait at the same moment, a test transaction holds a lock that blocks every insert
 * into {@code audit_log}: the first uploads wait in the database, the rest queue behind them,
 * and once it commits the queued ones go as one group. Rows inserted by one transaction share its
 * {@code xmin}, which is how the tests see a group.
 */
class CreationGroupCommitIT {
  private static final int UPLOADS = 24;
  private static final int SIZE = 4096;

  private String url;
  private Database db;
  private JooqUploadRepository repo;
  private ExecutorService clients;

  @BeforeEach
  void setUp() {
    url = TestDatabase.freshDatabaseUrl();
    db = new Database(url, "postgres", null, 8);
    db.migrate();
    repo = new JooqUploadRepository(db.dsl(), Duration.ofSeconds(6));
    clients = Executors.newFixedThreadPool(UPLOADS);
  }

  @AfterEach
  void tearDown() {
    clients.shutdownNow();
    db.close();
  }

  private static NewUpload whole(UUID id, UploadKind kind, int i) {
    return new NewUpload(id, "alice", (long) SIZE, kind, null,
        Map.of("filename", "photo-" + i + ".jpg"), null, "127.0.0.1",
        OffsetDateTime.now().plusDays(1));
  }

  /** Sends every upload while the lock is held, then releases it; the outcome of each. */
  private List<CompletableFuture<Upload>> sendBlocked(List<NewUpload> uploads, List<byte[]> bodies)
      throws Exception {
    return sendBlocked(uploads.size(), i -> repo.createWhole(uploads.get(i), bodies.get(i),
        "image/jpeg", OwnerLimits.NONE));
  }

  private List<CompletableFuture<Upload>> sendBlocked(int count, IntFunction<Upload> create)
      throws Exception {
    List<CompletableFuture<Upload>> sent = new ArrayList<>();
    try (Connection lock = DriverManager.getConnection(url, "postgres", "")) {
      lock.setAutoCommit(false);
      try (Statement s = lock.createStatement()) {
        s.execute("lock table audit_log in share mode");
      }
      for (int i = 0; i < count; i++) {
        int n = i;
        sent.add(CompletableFuture.supplyAsync(() -> create.apply(n), clients));
      }
      Thread.sleep(1500); // every request is queued or waiting on the lock by now
      assertThat(sent).as("nothing commits while the lock is held").noneMatch(f -> f.isDone());
      lock.commit();
    }
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
        .handle((v, e) -> null).get(60, TimeUnit.SECONDS);
    return sent;
  }

  private long transactions(List<UUID> ids) throws Exception {
    try (Connection c = DriverManager.getConnection(url, "postgres", "");
        PreparedStatement ps = c.prepareStatement(
            "select count(distinct xmin::text) from uploads where id = any (?)")) {
      ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void uploads_waiting_together_are_committed_together_each_with_its_row_bytes_and_audit()
      throws Exception {
    List<NewUpload> uploads = new ArrayList<>();
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < UPLOADS; i++) {
      uploads.add(whole(UUID.randomUUID(), i % 4 == 3 ? UploadKind.PARTIAL : UploadKind.REGULAR,
          i));
      bodies.add(TestData.randomBytes(SIZE, 40 + i));
    }
    List<CompletableFuture<Upload>> sent = sendBlocked(uploads, bodies);

    List<UUID> ids = uploads.stream().map(NewUpload::id).toList();
    assertThat(transactions(ids))
        .as("%d uploads in fewer commits than uploads", UPLOADS)
        .isLessThan(UPLOADS / 2);
    try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
      for (int i = 0; i < UPLOADS; i++) {
        NewUpload n = uploads.get(i);
        Upload returned = sent.get(i).get();
        UploadState state =
            n.kind() == UploadKind.REGULAR ? UploadState.QUEUED : UploadState.UPLOADING;
        assertThat(returned.id()).isEqualTo(n.id());
        assertThat(returned.state()).isEqualTo(state);
        assertThat(returned.offset()).isEqualTo(SIZE);
        assertThat(returned.completedAt()).isNotNull();
        Upload row = repo.find(n.id()).orElseThrow();
        assertThat(row.state()).isEqualTo(state);
        assertThat(row.offset()).isEqualTo(SIZE);
        assertThat(row.filename()).isEqualTo("photo-" + i + ".jpg");
        assertThat(row.contentType()).isEqualTo("image/jpeg");
        assertThat(row.createdAt()).isEqualTo(returned.createdAt());
        assertThat(row.expiresAt()).isEqualTo(returned.expiresAt());
        assertThat(bytes(c, n.id())).as("upload %d's own bytes", i).isEqualTo(bodies.get(i));
        assertThat(audit(c, n.id())).containsExactly("upload.created", "upload.finished");
      }
    }
  }

  @Test
  void creations_without_a_body_are_grouped_too_deferred_empty_and_sized() throws Exception {
    List<NewUpload> uploads = new ArrayList<>();
    for (int i = 0; i < UPLOADS; i++) {
      // a deferred length, an empty upload (complete at once) and one of 100 bytes, in turn
      Long length = i % 3 == 0 ? null : i % 3 == 1 ? 0L : 100L;
      uploads.add(new NewUpload(UUID.randomUUID(), "alice", length, UploadKind.REGULAR, null,
          Map.of("filename", "f" + i), null, "127.0.0.1", OffsetDateTime.now().plusDays(1)));
    }
    List<CompletableFuture<Upload>> sent = sendBlocked(UPLOADS,
        i -> repo.create(uploads.get(i), 0, null, OwnerLimits.NONE));

    assertThat(transactions(uploads.stream().map(NewUpload::id).toList()))
        .isLessThan(UPLOADS / 2);
    try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
      for (int i = 0; i < UPLOADS; i++) {
        NewUpload n = uploads.get(i);
        boolean empty = Long.valueOf(0).equals(n.length());
        Upload returned = sent.get(i).get();
        Upload row = repo.find(n.id()).orElseThrow();
        assertThat(row.length()).isEqualTo(n.length());
        assertThat(row.offset()).isZero();
        assertThat(row.state()).isEqualTo(empty ? UploadState.QUEUED : UploadState.UPLOADING);
        assertThat(returned.state()).isEqualTo(row.state());
        assertThat(row.completedAt() != null).as("upload %d complete", i).isEqualTo(empty);
        assertThat(returned.completedAt() != null).isEqualTo(empty);
        assertThat(bytes(c, n.id())).as("no bytes kept with the row").isNull();
        assertThat(audit(c, n.id())).containsExactlyElementsOf(empty
            ? List.of("upload.created", "upload.finished") : List.of("upload.created"));
      }
    }
  }

  @Test
  void a_row_the_database_refuses_fails_alone_and_the_rest_of_its_group_is_kept()
      throws Exception {
    UUID taken = repo.createWhole(whole(UUID.randomUUID(), UploadKind.REGULAR, 0),
        TestData.randomBytes(SIZE, 1), "image/jpeg", OwnerLimits.NONE).id();
    List<NewUpload> uploads = new ArrayList<>();
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < UPLOADS; i++) {
      // one of them reuses an id that exists: a primary-key violation inside the group
      uploads.add(whole(i == UPLOADS / 2 ? taken : UUID.randomUUID(), UploadKind.REGULAR, i));
      bodies.add(TestData.randomBytes(SIZE, 80 + i));
    }
    List<CompletableFuture<Upload>> sent = sendBlocked(uploads, bodies);

    try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
      for (int i = 0; i < UPLOADS; i++) {
        if (i == UPLOADS / 2) {
          assertThat(sent.get(i)).as("the duplicate").isCompletedExceptionally();
          continue;
        }
        assertThat(sent.get(i).get().offset()).isEqualTo(SIZE);
        assertThat(bytes(c, uploads.get(i).id())).isEqualTo(bodies.get(i));
      }
      assertThat(bytes(c, taken)).as("the existing upload is untouched")
          .isEqualTo(TestData.randomBytes(SIZE, 1));
    }
  }

  @Test
  void with_the_database_away_every_waiting_upload_fails_after_one_pool_timeout_not_in_turn()
      throws Exception {
    String name = url.substring(url.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
    String admin = url.substring(0, url.lastIndexOf('/') + 1) + "postgres";
    try (Connection c = DriverManager.getConnection(admin, "postgres", "");
        Statement s = c.createStatement()) {
      s.execute("alter database " + name + " allow_connections false");
      s.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = '"
          + name + "'");
    }
    try {
      long start = System.nanoTime();
      List<CompletableFuture<Upload>> sent = new ArrayList<>();
      for (int i = 0; i < UPLOADS; i++) {
        NewUpload n = whole(UUID.randomUUID(), UploadKind.REGULAR, i);
        byte[] body = TestData.randomBytes(SIZE, i);
        sent.add(CompletableFuture.supplyAsync(
            () -> repo.createWhole(n, body, "image/jpeg", OwnerLimits.NONE), clients));
      }
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
          .handle((v, e) -> null).get(120, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(sent).allMatch(CompletableFuture::isCompletedExceptionally);
      // the pool waits 10 s for a connection: one or two rounds of that, not one per upload
      // (24 uploads in turn on two writers would be about 120 s)
      assertThat(seconds).as("all failed within two pool timeouts").isLessThan(35);
    } finally {
      try (Connection c = DriverManager.getConnection(admin, "postgres", "");
          Statement s = c.createStatement()) {
        s.execute("alter database " + name + " allow_connections true");
      }
    }
  }

  private static byte[] bytes(Connection c, UUID id) throws Exception {
    try (PreparedStatement ps =
        c.prepareStatement("select bytes from inline_bodies where upload_id = ?")) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getBytes(1) : null;
      }
    }
  }

  private static List<String> audit(Connection c, UUID id) throws Exception {
    List<String> actions = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement("select action from audit_log where upload_id = ? order by id")) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          actions.add(rs.getString(1));
        }
      }
    }
    return actions;
  }
}
