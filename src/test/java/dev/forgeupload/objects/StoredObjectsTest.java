package dev.forgeupload.objects;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.core.ObjectKeys;
import dev.forgeupload.core.ObjectStore;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadState;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seam the worker uses ({@link StoredObjects#put}, {@link StoredObjects#adopt}) and the view
 * the core reads and deletes through, on fakes: a map for S3 and a catalog that counts
 * references the way the V12 trigger does. {@code DedupIT} and {@code CompressionIT} run the same
 * against PostgreSQL and S3Proxy.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class StoredObjectsTest {
  @TempDir Path tmp;
  private final Store s3 = new Store();
  private final Catalog catalog = new Catalog();

  private StoredObjects objects(Compression c) {
    return new StoredObjects(s3, catalog,
        new StoredObjects.Settings(c, 4096, tmp.resolve("objects-tmp"), Duration.ZERO));
  }

  private static Upload upload(String name, String type, long length) {
    OffsetDateTime now = OffsetDateTime.now();
    return new Upload(UUID.randomUUID(), "alice", name, type, length, length, UploadState.STORING,
        UploadKind.REGULAR, List.of(), Map.of(), null, null, null, null, null, now, now, now, null,
        null);
  }

  private static StoredObjects.Source bytes(byte[] b) {
    return () -> new ByteArrayInputStream(b);
  }

  private static byte[] read(ObjectStore view, String key, long from, long count)
      throws IOException {
    try (InputStream in = view.get(key, from, count)) {
      return in.readAllBytes();
    }
  }

  @Test
  void equal_bytes_are_written_once_and_the_second_upload_shares_the_object() throws IOException {
    StoredObjects o = objects(Compression.ZSTD);
    byte[] data = new byte[10_000];
    new Random(1).nextBytes(data);
    Upload a = upload("a.bin", "application/octet-stream", data.length);
    Upload b = upload("b.bin", "application/octet-stream", data.length);
    StoredObjects.Stored sa = o.put(a, "w", bytes(data)).orElseThrow();
    StoredObjects.Stored sb = o.put(b, "w", bytes(data)).orElseThrow();
    assertThat(sa.shared()).isFalse();
    assertThat(sb.shared()).isTrue();
    assertThat(sb.key()).isEqualTo(sa.key()).isEqualTo(ObjectKeys.of(a));
    assertThat(s3.puts).containsExactly(sa.key());
    assertThat(catalog.refs(sa.key())).isEqualTo(2);

    catalog.delete(a.id());
    o.view().delete(sa.key());
    assertThat(s3.objects).containsKey(sa.key());
    assertThat(read(o.view(), sa.key(), 0, data.length)).isEqualTo(data);
    catalog.delete(b.id());
    o.view().delete(sb.key());
    assertThat(s3.objects).isEmpty();
    assertThat(catalog.entries).isEmpty();
  }

  @Test
  void text_is_kept_in_frames_and_any_range_reads_the_original_bytes() throws IOException {
    StoredObjects o = objects(Compression.LZ4);
    byte[] log = FrameFormatTest.logText(50_000, 4);
    Upload u = upload("app.log", "text/plain", log.length);
    StoredObjects.Stored s = o.put(u, "w", bytes(log)).orElseThrow();
    assertThat(s.compression()).isEqualTo(Compression.LZ4);
    assertThat(s3.objects.get(s.key()).length).isEqualTo((int) s.physicalBytes())
        .isLessThan(log.length / 2);
    Random r = new Random(42);
    for (int i = 0; i < 100; i++) {
      int from = r.nextInt(log.length);
      int count = r.nextInt(log.length - from + 1);
      assertThat(read(o.view(), s.key(), from, count)).as("seed 42, %d+%d", from, count)
          .isEqualTo(Arrays.copyOfRange(log, from, from + count));
    }
  }

  @Test
  void adopting_an_object_equal_to_a_stored_one_deletes_the_new_one_and_shares() throws IOException {
    StoredObjects o = objects(Compression.ZSTD);
    byte[] data = FrameFormatTest.logText(20_000, 5);
    Upload a = upload("a.log", "text/plain", data.length);
    StoredObjects.Stored sa = o.put(a, "w", bytes(data)).orElseThrow();

    Upload b = upload("b.log", "text/plain", data.length);
    String inPlace = ObjectKeys.of(b);
    s3.objects.put(inPlace, data.clone()); // what S3 staging completed at the final key
    StoredObjects.Stored sb =
        o.adopt(b, "w", inPlace, sa.sha256(), data.length).orElseThrow();
    assertThat(sb.shared()).isTrue();
    assertThat(sb.key()).isEqualTo(sa.key());
    assertThat(s3.objects).doesNotContainKey(inPlace);
    assertThat(catalog.refs(sa.key())).isEqualTo(2);
  }

  @Test
  void an_adopted_object_with_new_content_is_recorded_as_it_is() throws IOException {
    StoredObjects o = objects(Compression.ZSTD);
    byte[] data = FrameFormatTest.logText(20_000, 6);
    Upload u = upload("c.log", "text/plain", data.length);
    String key = ObjectKeys.of(u);
    s3.objects.put(key, data.clone());
    StoredObjects.Stored s =
        o.adopt(u, "w", key, dev.forgeupload.testing.TestData.sha256(data), data.length)
            .orElseThrow();
    assertThat(s.shared()).isFalse();
    assertThat(s.compression()).isEqualTo(Compression.NONE);
    assertThat(read(o.view(), key, 100, 50)).isEqualTo(Arrays.copyOfRange(data, 100, 150));
  }

  @Test
  void a_lost_claim_records_nothing_and_discard_removes_what_was_written() throws IOException {
    StoredObjects o = objects(Compression.NONE);
    byte[] data = new byte[] {1, 2, 3};
    Upload u = upload("x.bin", null, data.length);
    catalog.lost.add(u.id());
    assertThat(o.put(u, "w", bytes(data))).isEmpty();
    assertThat(catalog.entries).isEmpty();
    assertThat(s3.objects).containsKey(ObjectKeys.of(u));
    o.discard(u);
    assertThat(s3.objects).isEmpty();
  }

  @Test
  void staged_bytes_of_the_wrong_length_are_an_error() {
    StoredObjects o = objects(Compression.NONE);
    Upload u = upload("x.bin", null, 10);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> o.put(u, "w", bytes(new byte[9])))
        .isInstanceOf(IOException.class).hasMessageContaining("9 long");
  }

  @Test
  void deleting_a_plain_object_outside_the_catalog_deletes_it() throws IOException {
    StoredObjects o = objects(Compression.ZSTD);
    s3.objects.put("sync/job/file.txt", new byte[] {1});
    assertThat(read(o.view(), "sync/job/file.txt", 0, 1)).containsExactly(1);
    o.view().delete("sync/job/file.txt");
    assertThat(s3.objects).isEmpty();
  }

  @Test
  void repair_sets_counts_right_and_removes_unreferenced_objects() throws IOException {
    StoredObjects o = objects(Compression.NONE);
    byte[] data = new byte[] {9, 9, 9};
    Upload u = upload("y.bin", null, data.length);
    String key = o.put(u, "w", bytes(data)).orElseThrow().key();
    catalog.delete(u.id()); // deleted, and the process died before the object went
    assertThat(s3.objects).containsKey(key);
    o.repair();
    assertThat(s3.objects).isEmpty();
    assertThat(catalog.entries).isEmpty();
  }

  /** S3 as a map; puts recorded. */
  static final class Store implements ObjectStore {
    final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    final List<String> puts = new ArrayList<>();

    @Override
    public void put(String key, InputStream in, long size, String contentType) throws IOException {
      byte[] b = in.readAllBytes();
      assertThat(b.length).as("size announced for %s", key).isEqualTo(size);
      objects.put(key, b);
      puts.add(key);
    }

    @Override
    public InputStream get(String key, long offset, long length) throws IOException {
      byte[] b = objects.get(key);
      if (b == null) {
        throw new IOException("no object " + key);
      }
      return new ByteArrayInputStream(b, (int) offset, (int) length);
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

  /** The catalog with the trigger's rule: stored uploads reference their key. */
  static final class Catalog implements ObjectCatalog {
    final Map<String, Entry> entries = new HashMap<>();
    final Map<UUID, String> stored = new HashMap<>();
    final Set<UUID> lost = new java.util.HashSet<>();

    int refs(String key) {
      return (int) stored.values().stream().filter(key::equals).count();
    }

    void delete(UUID id) {
      stored.remove(id);
    }

    @Override
    public synchronized Optional<Entry> byKey(String key) {
      return Optional.ofNullable(entries.get(key));
    }

    @Override
    public synchronized Optional<Entry> byContent(String sha256, long length) {
      return entries.values().stream()
          .filter(e -> e.sha256().equals(sha256) && e.length() == length).findFirst();
    }

    @Override
    public synchronized Commit commitStored(UUID id, String worker, Entry c, boolean written) {
      Entry used = byContent(c.sha256(), c.length()).orElse(null);
      if (used == null && !written) {
        return new Commit(Outcome.NOT_WRITTEN, null);
      }
      if (lost.contains(id)) {
        return new Commit(Outcome.CLAIM_LOST, null);
      }
      if (used == null) {
        entries.put(c.key(), c);
        used = c;
      }
      stored.put(id, used.key());
      return new Commit(Outcome.STORED, used);
    }

    @Override
    public synchronized Release release(String key) {
      if (!entries.containsKey(key)) {
        return Release.UNKNOWN;
      }
      if (refs(key) > 0) {
        return Release.REFERENCED;
      }
      entries.remove(key);
      return Release.REMOVED;
    }

    @Override
    public int recount(int limit) {
      return 0;
    }

    @Override
    public synchronized List<String> unreferenced(int limit) {
      return entries.keySet().stream().filter(k -> refs(k) == 0).toList();
    }
  }
}
