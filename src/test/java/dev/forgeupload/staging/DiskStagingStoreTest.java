package dev.forgeupload.staging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.core.StagingStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskStagingStoreTest {
  @TempDir Path dir;

  @Test
  void writes_reads_ranges_truncates_and_deletes() throws IOException {
    DiskStagingStore s = new DiskStagingStore(dir);
    UUID id = UUID.randomUUID();
    try (StagingStore.Writer w = s.openWriter(id, 0)) {
      w.write("hello world".getBytes(), 0, 11);
      w.force();
      assertThat(w.position()).isEqualTo(11);
      w.truncate(5);
      assertThat(w.position()).isEqualTo(5);
    }
    assertThat(s.size(id)).isEqualTo(5);
    try (StagingStore.Writer w = s.openWriter(id, 5)) {
      w.write("!!".getBytes(), 0, 2);
    }
    try (InputStream in = s.read(id, 3, 3)) {
      assertThat(new String(in.readAllBytes())).isEqualTo("lo!");
    }
    s.delete(id);
    assertThat(s.size(id)).isZero();
  }

  @Test
  void opening_past_the_end_is_refused_and_opening_before_it_cuts_the_tail() throws IOException {
    DiskStagingStore s = new DiskStagingStore(dir);
    UUID id = UUID.randomUUID();
    try (StagingStore.Writer w = s.openWriter(id, 0)) {
      w.write("abcdef".getBytes(), 0, 6);
    }
    assertThatThrownBy(() -> s.openWriter(id, 10))
        .isInstanceOf(StagingStore.MissingBytesException.class);
    s.openWriter(id, 2).close();
    assertThat(s.size(id)).isEqualTo(2);
  }

  @Test
  void a_body_flushed_in_the_background_while_it_streams_is_whole_after_force()
      throws Exception {
    DiskStagingStore s = new DiskStagingStore(dir);
    UUID id = UUID.randomUUID();
    int size = (int) (3 * DiskStagingStore.FLUSH_BYTES + 12345);
    byte[] data = new byte[size];
    new java.util.Random(3).nextBytes(data);
    try (StagingStore.Writer w = s.openWriter(id, 0)) {
      for (int off = 0; off < size; off += 65536) {
        w.write(data, off, Math.min(65536, size - off));
      }
      w.force();
      w.truncate(size - 5); // waits for any background flush before cutting
      assertThat(w.position()).isEqualTo(size - 5);
    }
    try (InputStream in = s.read(id, 0, size)) {
      assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOf(data, size - 5));
    }
  }

  @Test
  void concurrent_creations_share_directory_fsyncs_and_each_returns_once_covered()
      throws Exception {
    DirectorySync sync = new DirectorySync(dir);
    int n = 16;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        done.add(pool.submit(() -> {
          sync.await(sync.created());
          return null;
        }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(sync.created()).isEqualTo(n + 1); // every ticket was handed out once
  }

  @Test
  void a_directory_that_cannot_be_fsynced_fails_the_wait() {
    DirectorySync sync = new DirectorySync(dir.resolve("missing"));
    long ticket = sync.created();
    assertThatThrownBy(() -> sync.await(ticket)).isInstanceOf(IOException.class);
  }
}
