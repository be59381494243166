package dev.forgeupload.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.client.FingerprintStore.Entry;
import dev.forgeupload.client.FingerprintStore.Part;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FingerprintStoreTest {
  private static final String ENDPOINT = "http://127.0.0.1:8080/files/";

  @TempDir Path tmp;

  private static String fp(String file, long size, long mtime) {
    return FingerprintStore.fingerprint(ENDPOINT, Path.of(file), size, mtime);
  }

  @Test
  void an_entry_survives_into_a_new_store_on_the_same_folder() throws Exception {
    Path dir = tmp.resolve("state/uploads");
    String f = fp("/data/a.bin", 10, 1000);
    new FingerprintStore(dir).put(new Entry(f, "/data/a.bin", 10, ENDPOINT + "abc", null));

    assertThat(new FingerprintStore(dir).get(f))
        .hasValueSatisfying(e -> {
          assertThat(e.url()).isEqualTo(ENDPOINT + "abc");
          assertThat(e.size()).isEqualTo(10);
          assertThat(e.parts()).isNull();
        });
  }

  @Test
  void the_folder_is_private_to_the_user() throws Exception {
    Path dir = tmp.resolve("private/uploads");
    new FingerprintStore(dir);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
  }

  @Test
  void a_file_that_changed_size_or_time_or_another_server_or_path_has_another_fingerprint() {
    String base = fp("/data/a.bin", 10, 1000);
    assertThat(List.of(
            fp("/data/a.bin", 11, 1000),
            fp("/data/a.bin", 10, 1001),
            fp("/data/b.bin", 10, 1000),
            FingerprintStore.fingerprint("http://other:8080/files/", Path.of("/data/a.bin"), 10,
                1000)))
        .doesNotContain(base)
        .doesNotHaveDuplicates();
    assertThat(fp("/data/a.bin", 10, 1000)).isEqualTo(base);
  }

  @Test
  void unknown_fingerprints_and_unreadable_entries_are_absent_and_a_put_replaces_them()
      throws Exception {
    FingerprintStore store = new FingerprintStore(tmp.resolve("s"));
    String f = fp("/data/a.bin", 10, 1000);
    assertThat(store.get(f)).isEmpty();

    store.put(new Entry(f, "/data/a.bin", 10, ENDPOINT + "one", null));
    Path file = onlyEntryFile(store.dir());
    Files.writeString(file, "{\"fingerprint\": \"" + f.substring(0, 10), StandardCharsets.UTF_8);
    assertThat(store.get(f)).as("a half-written file").isEmpty();

    store.put(new Entry(f, "/data/a.bin", 10, ENDPOINT + "two", null));
    assertThat(store.get(f)).map(Entry::url).hasValue(ENDPOINT + "two");
  }

  @Test
  void an_entry_whose_fingerprint_is_not_the_one_asked_for_is_never_returned() throws Exception {
    FingerprintStore store = new FingerprintStore(tmp.resolve("s"));
    String mine = fp("/data/a.bin", 10, 1000);
    store.put(new Entry(mine, "/data/a.bin", 10, ENDPOINT + "mine", null));
    Path file = onlyEntryFile(store.dir());
    // as if two fingerprints hashed alike, or the file was edited by hand
    Files.writeString(file,
        Files.readString(file).replace("/data/a.bin\"", "/data/other.bin\"")
            .replace(mine, fp("/data/other.bin", 10, 1000)));
    assertThat(store.get(mine)).isEmpty();
  }

  @Test
  void parts_keep_their_ranges_and_urls_including_parts_not_created_yet() throws Exception {
    FingerprintStore store = new FingerprintStore(tmp.resolve("s"));
    String f = fp("/data/big.bin", 300, 5);
    List<Part> parts =
        List.of(new Part(0, 100, ENDPOINT + "p1"), new Part(100, 200, null),
            new Part(200, 300, ENDPOINT + "p3"));
    store.put(new Entry(f, "/data/big.bin", 300, null, parts));

    Entry e = store.get(f).orElseThrow();
    assertThat(e.url()).isNull();
    assertThat(e.parts()).containsExactlyElementsOf(parts);

    store.put(e.withParts(List.of(parts.get(0), parts.get(1).withUrl(ENDPOINT + "p2"),
        parts.get(2))).withUrl(ENDPOINT + "final"));
    Entry done = store.get(f).orElseThrow();
    assertThat(done.url()).isEqualTo(ENDPOINT + "final");
    assertThat(done.parts()).extracting(Part::url)
        .containsExactly(ENDPOINT + "p1", ENDPOINT + "p2", ENDPOINT + "p3");
  }

  @Test
  void remove_forgets_and_tolerates_what_is_not_there() throws Exception {
    FingerprintStore store = new FingerprintStore(tmp.resolve("s"));
    String f = fp("/data/a.bin", 10, 1000);
    store.put(new Entry(f, "/data/a.bin", 10, ENDPOINT + "x", null));
    store.remove(f);
    store.remove(f);
    assertThat(store.get(f)).isEmpty();
  }

  @Test
  void concurrent_puts_of_one_fingerprint_leave_one_whole_entry_and_no_temporary_files()
      throws Exception {
    FingerprintStore store = new FingerprintStore(tmp.resolve("s"));
    String f = fp("/data/a.bin", 10, 1000);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> writes = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int id = t;
      writes.add(pool.submit(() -> {
        for (int i = 0; i < 50; i++) {
          store.put(new Entry(f, "/data/a.bin", 10, ENDPOINT + "w" + id + "-" + i, null));
          assertThat(store.get(f)).as("readable at every moment").isPresent();
        }
        return null;
      }));
    }
    for (Future<?> w : writes) {
      w.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(store.get(f)).map(Entry::url).hasValueSatisfying(u -> assertThat(u)
        .matches(".*/w[0-3]-49"));
    try (Stream<Path> files = Files.list(store.dir())) {
      assertThat(files).hasSize(1);
    }
  }

  private static Path onlyEntryFile(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> all = files.toList();
      assertThat(all).hasSize(1);
      return all.get(0);
    }
  }
}
