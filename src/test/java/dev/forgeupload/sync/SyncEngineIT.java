package dev.forgeupload.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.core.UploadEvents;
import dev.forgeupload.core.UploadMetrics;
import dev.forgeupload.db.Database;
import dev.forgeupload.db.JooqAuditStore;
import dev.forgeupload.db.JooqSyncFiles;
import dev.forgeupload.db.JooqSyncJobs;
import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.objectstore.MinioObjectStore;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestDatabase;
import dev.forgeupload.testing.TestS3;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync engine on real PostgreSQL and S3Proxy, without HTTP, where a test can step into the
 * middle of a read: the object store is wrapped so that it can change the source file half-way
 * through the bytes it is given, or fail. Two engines on one database play two nodes.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SyncEngineIT {
  @TempDir Path tmp;
  private Path root;
  private Database db;
  private JooqSyncJobs store;
  private JooqSyncFiles files;
  private MinioObjectStore s3;
  private AuditLog audit;
  /** Called with the key and the bytes read so far, half-way through each put. */
  private volatile Midway midway = (key, n) -> {};
  /** Puts of keys ending so fail while {@link #failures} lasts. */
  private volatile String failSuffix = "\0";
  private final AtomicInteger failures = new AtomicInteger();
  private final Map<String, AtomicInteger> puts = new ConcurrentHashMap<>();

  interface Midway {
    void at(String key, long bytesRead) throws IOException;
  }

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(tmp.resolve("root")).toRealPath();
    db = new Database(TestDatabase.freshDatabaseUrl(), "postgres", null, 10);
    db.migrate();
    store = new JooqSyncJobs(db.dsl());
    files = new JooqSyncFiles(db.dsl());
    EmbeddedS3 e = TestS3.get();
    s3 = new MinioObjectStore(e.endpoint(), e.accessKey(), e.secretKey(), "us-east-1",
        TestS3.freshBucket(), 5L << 20);
    s3.ensureBucket();
    audit = new AuditLog(new JooqAuditStore(db.dsl()));
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private SyncEngine engine(int concurrency, int maxAttempts) {
    SyncObjects objects =
        new SyncObjects() {
          @Override
          public void put(String key, InputStream in, long size, String type) throws IOException {
            puts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            if (key.endsWith(failSuffix) && failures.getAndDecrement() > 0) {
              throw new IOException("S3 put " + key + ": simulated outage");
            }
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            long half = size / 2;
            byte[] buf = new byte[8192];
            while (head.size() < half) {
              int n = in.read(buf, 0, (int) Math.min(buf.length, half - head.size()));
              if (n < 0) {
                break;
              }
              head.write(buf, 0, n);
            }
            midway.at(key, head.size());
            s3.put(key, new SequenceInputStream(new ByteArrayInputStream(head.toByteArray()), in),
                size, type);
          }

          @Override
          public void copy(String from, String to) throws IOException {
            s3.copy(from, to);
          }

          @Override
          public long size(String key) throws IOException {
            return s3.size(key);
          }
        };
    SyncEngine engine =
        new SyncEngine(store, files, objects, new SyncRoots(List.of(root)), UploadEvents.NONE, audit,
            UploadMetrics.NONE,
            new SyncEngine.Settings(concurrency, Duration.ofHours(1), Duration.ofSeconds(30),
                maxAttempts, Duration.ZERO, Duration.ofMillis(200)));
    engine.start();
    return engine;
  }

  private SyncJob create(SyncEngine engine, Path folder, String pattern) {
    return new SyncJobs(store, new SyncRoots(List.of(root)), engine, audit)
        .create(folder.toString(), pattern, dev.forgeupload.auth.Principal.OPEN, null);
  }

  private SyncJob await(UUID id, SyncJob.State state) {
    return Poll.until("job " + state, Duration.ofSeconds(60), () -> store.find(id).orElseThrow(),
        j -> j.state() == state);
  }

  private byte[] object(String key) throws IOException {
    try (InputStream in = s3.get(key, 0, s3.size(key))) {
      return in.readAllBytes();
    }
  }

  @Test
  void a_file_that_changes_while_it_is_read_is_read_again_into_the_same_upload() throws Exception {
    Path folder = Files.createDirectories(root.resolve("job"));
    Path grow = folder.resolve("grow.bin");
    Files.write(grow, TestData.randomBytes(1 << 20, 1));
    byte[] extra = TestData.randomBytes(4096, 2);
    AtomicInteger changed = new AtomicInteger();
    midway = (key, n) -> {
      if (key.endsWith("/grow.bin") && changed.getAndIncrement() == 0) {
        try (OutputStream out = Files.newOutputStream(grow, StandardOpenOption.APPEND)) {
          out.write(extra); // half-way through the first read
        }
      }
    };
    try (SyncEngine engine = engine(2, 3)) {
      SyncJob job = create(engine, folder, null);
      SyncJob done = await(job.id(), SyncJob.State.COMPLETED);
      String key = "sync/" + job.id() + "/grow.bin";
      assertThat(puts.get(key).get()).as("read twice: once changed mid-way, once whole").isEqualTo(2);
      assertThat(object(key)).isEqualTo(Files.readAllBytes(grow));
      assertThat(done.totalBytes()).isEqualTo((1 << 20) + 4096);
      SyncFile f = store.files(job.id(), null, null, 10).get(0);
      assertThat(f.sha256()).isEqualTo(TestData.sha256(Files.readAllBytes(grow)));
      assertThat(db.dsl().fetchCount(db.dsl().selectFrom("uploads"))).as("one upload").isEqualTo(1);
    }
  }

  @Test
  void a_file_that_never_holds_still_fails_with_its_reason_and_the_job_is_failed()
      throws Exception {
    Path folder = Files.createDirectories(root.resolve("job"));
    Path busy = folder.resolve("busy.log");
    Files.write(busy, TestData.randomBytes(100_000, 3));
    Files.write(folder.resolve("calm.txt"), TestData.randomBytes(1000, 4));
    midway = (key, n) -> {
      if (key.endsWith("/busy.log")) {
        try (OutputStream out = Files.newOutputStream(busy, StandardOpenOption.APPEND)) {
          out.write('x');
        }
      }
    };
    try (SyncEngine engine = engine(2, 2)) {
      SyncJob job = create(engine, folder, null);
      SyncJob done = await(job.id(), SyncJob.State.FAILED);
      assertThat(done.failedFiles()).isEqualTo(1);
      assertThat(done.completedFiles()).isEqualTo(1);
      SyncFile f = store.files(job.id(), null, SyncFile.State.FAILED, 10).get(0);
      assertThat(f.path()).isEqualTo("busy.log");
      assertThat(f.error()).contains("changed while it was read");
      assertThat(puts.get("sync/" + job.id() + "/busy.log").get())
          .as("two attempts of %d reads each", SyncUploader.MAX_READS)
          .isEqualTo(2 * SyncUploader.MAX_READS);
      assertThat(db.dsl().fetchValue("SELECT state FROM uploads WHERE id = ?", f.uploadId()))
          .isEqualTo("failed");
    }
  }

  @Test
  void a_failed_put_is_retried_and_then_succeeds() throws Exception {
    Path folder = Files.createDirectories(root.resolve("job"));
    byte[] data = TestData.randomBytes(50_000, 5);
    Files.write(folder.resolve("flaky.bin"), data);
    failSuffix = "/flaky.bin";
    failures.set(2);
    try (SyncEngine engine = engine(1, 5)) {
      SyncJob job = create(engine, folder, null);
      await(job.id(), SyncJob.State.COMPLETED);
      String key = "sync/" + job.id() + "/flaky.bin";
      assertThat(puts.get(key).get()).as("two failures, then the upload").isEqualTo(3);
      assertThat(object(key)).isEqualTo(data);
      assertThat(db.dsl().fetchCount(db.dsl().selectFrom("uploads"))).isEqualTo(1);
    }
  }

  @Test
  void a_file_swapped_for_a_link_outside_the_roots_after_the_scan_is_not_read() throws Exception {
    Path folder = Files.createDirectories(root.resolve("job"));
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.write(outside.resolve("secret.txt"), "secret".getBytes());
    Path file = folder.resolve("swap.txt");
    Files.write(file, "harmless".getBytes());
    // the scan sees a regular file; before the upload it becomes a link out of the roots
    SyncJob job = store.create(UUID.randomUUID(), folder.toString(), "**", null);
    SyncJobStore.ScanTarget t = store.claimScan(job.id(), "test", Duration.ofSeconds(30)).orElseThrow();
    FolderScanner.Result seen = new FolderScanner(new SyncRoots(List.of(root)))
        .scan(Path.of(t.sourceFolder()), Glob.compile(t.pattern()));
    ScanPlan plan = ScanPlan.of(seen, store.known(job.id()));
    store.applyScan(job.id(), plan.due(), plan.back(), plan.gone());
    store.finishScan(job.id(), "test", null, Duration.ofHours(1));
    Files.delete(file);
    Files.createSymbolicLink(file, outside.resolve("secret.txt"));
    try (SyncEngine engine = engine(1, 3)) {
      SyncJob done = await(job.id(), SyncJob.State.FAILED);
      SyncFile f = store.files(job.id(), null, null, 10).get(0);
      assertThat(f.error()).contains("outside FORGE_SYNC_ROOTS");
      assertThat(done.failedFiles()).isEqualTo(1);
      assertThat(puts).as("nothing was read from outside").isEmpty();
    }
  }

  @Test
  void two_nodes_share_a_job_and_every_file_is_uploaded_once() throws Exception {
    Path folder = Files.createDirectories(root.resolve("job"));
    for (int i = 0; i < 40; i++) {
      Path p = folder.resolve("d" + (i % 4)).resolve("f" + i + ".bin");
      Files.createDirectories(p.getParent());
      Files.write(p, TestData.randomBytes(20_000 + i, 10 + i));
    }
    try (SyncEngine a = engine(3, 3);
        SyncEngine b = engine(3, 3)) {
      SyncJob job = create(a, folder, "**/*.bin");
      b.scanSoon();
      SyncJob done = await(job.id(), SyncJob.State.COMPLETED);
      assertThat(done.completedFiles()).isEqualTo(40);
      assertThat(puts).hasSize(40);
      assertThat(puts.values()).allMatch(n -> n.get() == 1);
      assertThat(db.dsl().fetchCount(db.dsl().selectFrom("uploads"))).isEqualTo(40);
    }
  }
}
