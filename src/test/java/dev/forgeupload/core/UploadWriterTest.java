package dev.forgeupload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.staging.DiskStagingStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The write path and lifecycle, against the in-memory repository and a real staging dir. */
class UploadWriterTest {
  @TempDir Path dir;
  InMemoryUploadRepository repo;
  RecordingQueue queue = new RecordingQueue();
  DiskStagingStore staging;
  Uploads uploads;
  UploadWriter service;

  @BeforeEach
  void setUp() throws IOException {
    repo = new InMemoryUploadRepository();
    staging = new DiskStagingStore(dir);
    uploads = wire(null);
    service = uploads.writer();
  }

  private Uploads wire(ObjectStore objects) {
    return Uploads.wire(repo, staging, objects, queue, UploadEvents.NONE, UploadMetrics.NONE,
        ContentPolicy.defaults(), OwnerLimits.NONE, Clock.systemUTC(),
        new UploadWriter.Settings(1 << 30, Duration.ofDays(1), Duration.ZERO));
  }

  private Upload create(Long length) {
    return service.create(
        new NewUpload(UUID.randomUUID(), null, length, UploadKind.REGULAR, null, Map.of(), null,
            "127.0.0.1", service.newExpiry()));
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static Patch patch(long offset) {
    return new Patch(offset, null, null, null, false, null);
  }

  private byte[] staged(Upload u) throws IOException {
    try (InputStream in = staging.read(u.id(), 0, staging.size(u.id()))) {
      return in.readAllBytes();
    }
  }

  @Test
  void appends_in_several_patches_and_completes() throws IOException {
    byte[] data = random(1000);
    Upload u = create(1000L);
    service.append(u.id(), patch(0), new ByteArrayInputStream(data, 0, 400));
    Upload done = service.append(u.id(), patch(400), new ByteArrayInputStream(data, 400, 600));
    assertThat(done.offset()).isEqualTo(1000);
    assertThat(done.isComplete()).isTrue();
    assertThat(staged(u)).isEqualTo(data);
  }

  @Test
  void a_script_split_across_patches_is_judged_on_every_byte_of_its_head() throws IOException {
    // the check reads the head back from staging: the second PATCH's bytes must be in the file
    // by then, not still in a direct writer's buffer
    byte[] script = "#!/bin/sh\nrm -rf ~\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    Upload u = create((long) script.length);
    service.append(u.id(), patch(0), new ByteArrayInputStream(script, 0, 1)); // "#": text
    assertThatThrownBy(() -> service.append(u.id(), patch(1),
            new ByteArrayInputStream(script, 1, script.length - 1)))
        .isInstanceOfSatisfying(UploadException.class,
            e -> assertThat(e.getMessage()).contains("application/x-sh"));
    // longer than the sniff window: judged while the body streams, at 64 KiB
    byte[] longer = Arrays.copyOf(script, 200_000);
    Arrays.fill(longer, script.length, longer.length, (byte) '#');
    Upload v = create((long) longer.length);
    service.append(v.id(), patch(0), new ByteArrayInputStream(longer, 0, 1));
    assertThatThrownBy(() -> service.append(v.id(), patch(1),
            new ByteArrayInputStream(longer, 1, longer.length - 1)))
        .isInstanceOfSatisfying(UploadException.class,
            e -> assertThat(e.getMessage()).contains("application/x-sh"));
  }

  @Test
  void a_wrong_offset_is_409_and_writes_nothing() throws IOException {
    Upload u = create(10L);
    assertThatThrownBy(() -> service.append(u.id(), patch(3), new ByteArrayInputStream(new byte[3])))
        .isInstanceOfSatisfying(UploadException.class, e -> assertThat(e.status()).isEqualTo(409));
    assertThat(staging.size(u.id())).isZero();
  }

  @Test
  void a_body_past_the_length_is_413_and_nothing_is_kept() throws IOException {
    Upload u = create(10L);
    assertThatThrownBy(
            () -> service.append(u.id(), patch(0), new ByteArrayInputStream(random(11))))
        .isInstanceOfSatisfying(UploadException.class, e -> assertThat(e.status()).isEqualTo(413));
    assertThat(repo.find(u.id()).orElseThrow().offset()).isZero();
    assertThat(staging.size(u.id())).isZero();
  }

  @Test
  void a_checksum_mismatch_is_460_and_the_offset_is_unchanged() throws Exception {
    Upload u = create(100L);
    byte[] data = random(100);
    byte[] wrong = MessageDigest.getInstance("SHA-256").digest(new byte[] {1});
    Checksum c = Checksum.parse("sha256 " + Base64.getEncoder().encodeToString(wrong));
    assertThatThrownBy(
            () ->
                service.append(
                    u.id(),
                    new Patch(0, null, null, c, false, null),
                    new ByteArrayInputStream(data)))
        .isInstanceOfSatisfying(UploadException.class, e -> assertThat(e.status()).isEqualTo(460));
    assertThat(repo.find(u.id()).orElseThrow().offset()).isZero();
    assertThat(staging.size(u.id())).isZero();
  }

  @Test
  void a_trailer_checksum_is_verified_against_the_staged_bytes() throws Exception {
    Upload u = create(100L);
    byte[] data = random(100);
    String good =
        "sha1 " + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1").digest(data));
    Upload done =
        service.append(
            u.id(),
            new Patch(0, null, null, null, true, () -> good),
            new ByteArrayInputStream(data));
    assertThat(done.offset()).isEqualTo(100);

    Upload v = create(100L);
    String bad = "sha1 " + Base64.getEncoder().encodeToString(new byte[20]);
    assertThatThrownBy(
            () ->
                service.append(
                    v.id(),
                    new Patch(0, null, null, null, true, () -> bad),
                    new ByteArrayInputStream(data)))
        .isInstanceOfSatisfying(UploadException.class, e -> assertThat(e.status()).isEqualTo(460));
    assertThat(repo.find(v.id()).orElseThrow().offset()).isZero();
  }

  @Test
  void bytes_received_before_the_client_went_away_are_kept() throws IOException {
    Upload u = create(1000L);
    byte[] data = random(1000);
    InputStream breaking = new BreakingStream(data, 300);
    assertThatThrownBy(() -> service.append(u.id(), patch(0), breaking))
        .isInstanceOf(BodyReadException.class);
    assertThat(repo.find(u.id()).orElseThrow().offset()).isEqualTo(300);
    assertThat(staged(u)).isEqualTo(Arrays.copyOf(data, 300));
  }

  @Test
  void checksummed_bytes_are_dropped_when_the_client_goes_away() throws Exception {
    Upload u = create(1000L);
    byte[] data = random(1000);
    Checksum c =
        Checksum.parse(
            "md5 " + Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(data)));
    assertThatThrownBy(
            () ->
                service.append(
                    u.id(),
                    new Patch(0, null, null, c, false, null),
                    new BreakingStream(data, 300)))
        .isInstanceOf(BodyReadException.class);
    assertThat(repo.find(u.id()).orElseThrow().offset()).isZero();
  }

  @Test
  void a_deferred_length_is_set_by_a_later_patch_and_cannot_change() throws IOException {
    Upload u = create(null);
    service.append(u.id(), patch(0), new ByteArrayInputStream(random(10)));
    Upload done =
        service.append(
            u.id(),
            new Patch(10, 20L, null, null, false, null),
            new ByteArrayInputStream(random(10)));
    assertThat(done.length()).isEqualTo(20);
    assertThat(done.isComplete()).isTrue();
    assertThatThrownBy(
            () ->
                service.append(
                    u.id(),
                    new Patch(20, 30L, null, null, false, null),
                    new ByteArrayInputStream(new byte[0])))
        .isInstanceOfSatisfying(UploadException.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void an_extra_empty_patch_after_completion_is_idempotent() throws IOException {
    Upload u = create(5L);
    service.append(u.id(), patch(0), new ByteArrayInputStream(random(5)));
    int writes = repo.offsetWrites.size();
    Upload again = service.append(u.id(), patch(5), new ByteArrayInputStream(new byte[0]));
    assertThat(again.offset()).isEqualTo(5);
    assertThat(repo.offsetWrites).hasSize(writes);
  }

  @Test
  void stale_staged_bytes_past_the_committed_offset_are_cut_before_writing() throws IOException {
    Upload u = create(10L);
    service.append(u.id(), patch(0), new ByteArrayInputStream("abcd".getBytes()));
    try (StagingStore.Writer w = staging.openWriter(u.id(), 4)) {
      w.write("XXXX".getBytes(), 0, 4); // written but never committed (crash before commit)
    }
    service.append(u.id(), patch(4), new ByteArrayInputStream("efghij".getBytes()));
    assertThat(new String(staged(u))).isEqualTo("abcdefghij");
  }

  @Test
  void creation_with_upload_inserts_the_row_with_its_offset() throws IOException {
    byte[] data = random(64);
    NewUpload n =
        new NewUpload(UUID.randomUUID(), null, 64L, UploadKind.REGULAR, null, Map.of(), null,
            "127.0.0.1", service.newExpiry());
    Upload u = service.createWithBody(n, patch(0), new ByteArrayInputStream(data));
    assertThat(u.offset()).isEqualTo(64);
    assertThat(u.isComplete()).isTrue();
    assertThat(staged(u)).isEqualTo(data);
    assertThat(repo.offsetWrites).isEmpty();
  }

  @Test
  void creation_with_upload_interrupted_keeps_nothing() {
    NewUpload n =
        new NewUpload(UUID.randomUUID(), null, 64L, UploadKind.REGULAR, null, Map.of(), null,
            "127.0.0.1", service.newExpiry());
    assertThatThrownBy(() -> service.createWithBody(n, patch(0), new BreakingStream(random(64), 10)))
        .isInstanceOf(BodyReadException.class);
    assertThat(repo.find(n.id())).isEmpty();
    assertThat(dir.resolve(n.id() + ".bin")).doesNotExist();
  }

  @Test
  void a_long_body_is_checkpointed_in_increasing_committed_offsets() throws IOException {
    int size = 40 << 20;
    Upload u = create((long) size);
    Upload done = service.append(u.id(), patch(0), new PatternStream(size, Long.MAX_VALUE));
    assertThat(done.offset()).isEqualTo(size);
    assertThat(repo.offsetWrites).hasSizeGreaterThan(2).isSorted().endsWith((long) size);
    try (InputStream in = staging.read(u.id(), 0, size)) {
      assertThat(PatternStream.matches(in, size)).isTrue();
    }
  }

  @Test
  void a_checkpointed_body_cut_off_keeps_every_byte_that_arrived() throws IOException {
    int size = 40 << 20;
    long cut = (25L << 20) + 12345;
    Upload u = create((long) size);
    assertThatThrownBy(() -> service.append(u.id(), patch(0), new PatternStream(size, cut)))
        .isInstanceOf(BodyReadException.class);
    assertThat(repo.offsetWrites.size()).isGreaterThan(1);
    assertThat(repo.find(u.id()).orElseThrow().offset()).isEqualTo(cut);
    assertThat(staging.size(u.id())).isEqualTo(cut);
  }

  /** {@code size} bytes of a position-derived pattern; fails like a dropped connection at cut. */
  private static final class PatternStream extends InputStream {
    private final long size;
    private final long cut;
    private long pos;

    PatternStream(long size, long cut) {
      this.size = size;
      this.cut = cut;
    }

    static byte at(long i) {
      return (byte) (i * 31 + (i >>> 11));
    }

    static boolean matches(InputStream in, long size) throws IOException {
      byte[] buf = new byte[65536];
      long i = 0;
      int n;
      while ((n = in.read(buf)) > 0) {
        for (int k = 0; k < n; k++, i++) {
          if (buf[k] != at(i)) {
            return false;
          }
        }
      }
      return i == size;
    }

    @Override
    public int read() {
      throw new UnsupportedOperationException();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (pos >= cut) {
        throw new BodyReadException(new IOException("connection reset"));
      }
      if (pos >= size) {
        return -1;
      }
      int n = (int) Math.min(len, Math.min(size, cut) - pos);
      n = Math.min(n, 64 * 1024);
      for (int k = 0; k < n; k++) {
        b[off + k] = at(pos + k);
      }
      pos += n;
      return n;
    }
  }

  @Test
  void terminated_uploads_are_gone() throws IOException {
    Upload u = create(5L);
    uploads.lifecycle().terminate(u.id());
    assertThatThrownBy(() -> uploads.lifecycle().current(u.id()))
        .isInstanceOfSatisfying(UploadException.class, e -> assertThat(e.status()).isEqualTo(410));
    assertThatThrownBy(() -> uploads.lifecycle().current(UUID.randomUUID()))
        .isInstanceOfSatisfying(UploadException.class, e -> assertThat(e.status()).isEqualTo(404));
  }

  private NewUpload newUpload(UploadKind kind, Long length, String type, String name) {
    Map<String, String> meta = new java.util.LinkedHashMap<>();
    if (type != null) {
      meta.put("filetype", type);
    }
    if (name != null) {
      meta.put("filename", name);
    }
    return new NewUpload(UUID.randomUUID(), null, length, kind, null, meta, null, "127.0.0.1",
        service.newExpiry());
  }

  @Test
  void a_claim_of_a_denied_type_is_refused_before_any_row_or_byte() {
    for (NewUpload n :
        java.util.List.of(
            newUpload(UploadKind.REGULAR, 0L, "application/x-sh", null),
            newUpload(UploadKind.REGULAR, null, null, "run.bat"),
            newUpload(UploadKind.PARTIAL, 10L, "image/png", "x.exe"))) {
      assertThatThrownBy(() -> service.create(n))
          .isInstanceOfSatisfying(UploadException.class, e -> {
            assertThat(e.status()).isEqualTo(415);
            assertThat(e.code()).isEqualTo("content_rejected");
          });
      assertThatThrownBy(() -> service.createWithBody(n, patch(0),
              new ByteArrayInputStream("echo pwned\n".getBytes())))
          .isInstanceOf(UploadException.class);
      assertThat(repo.find(n.id())).isEmpty();
      assertThat(dir.resolve(n.id() + ".bin")).doesNotExist();
    }
  }

  @Test
  void an_empty_upload_is_octet_stream_however_it_was_completed() throws IOException {
    assertThat(service.create(newUpload(UploadKind.REGULAR, 0L, "image/jpeg", "a.jpg"))
        .contentType()).isEqualTo("application/octet-stream");
    Upload deferred = service.create(newUpload(UploadKind.REGULAR, null, "image/jpeg", "a.jpg"));
    assertThat(deferred.contentType()).isEqualTo("image/jpeg"); // the claim, until checked
    Upload done =
        service.append(deferred.id(), new Patch(0, 0L, null, null, false, null),
            new ByteArrayInputStream(new byte[0]));
    assertThat(done.isComplete()).isTrue();
    assertThat(repo.find(deferred.id()).orElseThrow().contentType())
        .isEqualTo("application/octet-stream");
  }

  @Test
  void a_part_is_checked_for_executables_and_stored_as_octet_stream() throws IOException {
    byte[] exe = dev.forgeupload.testing.Samples.windowsExe(3000);
    Upload part = service.create(newUpload(UploadKind.PARTIAL, 3000L, "image/jpeg", "a.jpg"));
    assertThat(part.contentType()).isEqualTo("application/octet-stream");
    assertThatThrownBy(() -> service.append(part.id(), patch(0), new ByteArrayInputStream(exe)))
        .isInstanceOfSatisfying(UploadException.class, e -> assertThat(e.getMessage())
            .isEqualTo("part content is application/x-msdownload, which is not accepted here"));
    Upload failed = repo.find(part.id()).orElseThrow();
    assertThat(failed.state()).isEqualTo(UploadState.FAILED);
    assertThat(failed.offset()).isZero();
    assertThat(dir.resolve(part.id() + ".bin")).doesNotExist();
    // creation-with-upload: refused, recorded as failed
    NewUpload n = newUpload(UploadKind.PARTIAL, 3000L, null, null);
    assertThatThrownBy(() -> service.createWithBody(n, patch(0), new ByteArrayInputStream(exe)))
        .isInstanceOf(UploadException.class);
    assertThat(repo.find(n.id()).orElseThrow().state()).isEqualTo(UploadState.FAILED);
    // a part that starts like nothing in particular passes, opaque, whatever it claims
    byte[] png = dev.forgeupload.testing.Samples.png(4, 4);
    Upload ok = service.create(newUpload(UploadKind.PARTIAL, (long) png.length, "text/html", null));
    service.append(ok.id(), patch(0), new ByteArrayInputStream(png));
    Upload after = repo.find(ok.id()).orElseThrow();
    assertThat(after.isComplete()).isTrue();
    assertThat(after.contentType()).isEqualTo("application/octet-stream");
  }

  @Test
  void an_empty_upload_has_content_though_nothing_was_ever_staged() throws IOException {
    Upload u = create(0L);

    assertThat(u.isComplete()).isTrue();
    try (InputStream in = uploads.reader().open(u, 0, 0)) {
      assertThat(in.readAllBytes()).isEmpty();
    }
  }

  @Test
  void content_read_after_the_worker_stored_it_comes_from_the_object_store() throws IOException {
    byte[] data = random(10);
    Upload queued = service.append(create(10L).id(), patch(0), new ByteArrayInputStream(data));
    MemoryObjects objects = new MemoryObjects();
    uploads = wire(objects);
    // the worker stores it and drops the staged bytes after the caller read the row
    objects.put("k", new ByteArrayInputStream(data), data.length, null);
    repo.stored(queued.id(), "k", "x");
    uploads.lifecycle().dropStaged(queued);

    try (InputStream in = uploads.reader().open(queued, 2, 5)) {
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(data, 2, 7));
    }
  }

  static final class MemoryObjects implements ObjectStore {
    final Map<String, byte[]> objects = new java.util.HashMap<>();

    @Override
    public void put(String key, InputStream in, long size, String contentType)
        throws IOException {
      objects.put(key, in.readAllBytes());
    }

    @Override
    public InputStream get(String key, long offset, long length) {
      return new ByteArrayInputStream(objects.get(key), (int) offset, (int) length);
    }

    @Override
    public void delete(String key) {
      objects.remove(key);
    }

    @Override
    public boolean isReachable() {
      return true;
    }
  }

  @Test
  void a_finished_upload_is_queued_and_enqueued_once() throws IOException {
    Upload u = create(5L);
    Upload done = service.append(u.id(), patch(0), new ByteArrayInputStream(random(5)));
    assertThat(done.state()).isEqualTo(UploadState.QUEUED);
    service.append(u.id(), patch(5), new ByteArrayInputStream(new byte[0]));
    assertThat(queue.enqueued).containsExactly(u.id());
  }

  /** A {@link JobQueue} fake that records what was enqueued. */
  static final class RecordingQueue implements JobQueue {
    final java.util.List<UUID> enqueued = new java.util.ArrayList<>();

    @Override
    public void enqueue(UUID uploadId) {
      enqueued.add(uploadId);
    }

    @Override
    public boolean isPending(UUID uploadId) {
      return enqueued.contains(uploadId);
    }

    @Override
    public java.util.Optional<Job> next(String consumer, Duration block) {
      return java.util.Optional.empty();
    }

    @Override
    public java.util.List<Job> claimStale(String consumer, Duration minIdle, int count) {
      return java.util.List.of();
    }

    @Override
    public void touch(Job job, String consumer) {}

    @Override
    public void ack(Job job) {}

    @Override
    public void leave(Job job) {}

    @Override
    public boolean isReachable() {
      return true;
    }

    @Override
    public void close() {}
  }

  /** Delivers {@code failAfter} bytes, then fails like a dropped connection. */
  private static final class BreakingStream extends InputStream {
    private final byte[] data;
    private final int failAfter;
    private int pos;

    BreakingStream(byte[] data, int failAfter) {
      this.data = data;
      this.failAfter = failAfter;
    }

    @Override
    public int read() {
      throw new UnsupportedOperationException();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (pos >= failAfter) {
        throw new BodyReadException(new IOException("connection reset"));
      }
      int n = Math.min(len, failAfter - pos);
      System.arraycopy(data, pos, b, off, n);
      pos += n;
      return n;
    }
  }
}
