package dev.forgeupload.staging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.core.StagingStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Staged bytes leave the page cache once an fdatasync made them durable, and only then. Residency
 * is read by util-linux's {@code fincore}, as an operator would. The files live under
 * {@code target/} (a disk): a tmpfs {@code /tmp} keeps its pages whatever anyone advises. The
 * store writes through the page cache here, as it does where {@code O_DIRECT} is refused.
 */
class PageCacheTest {
  private static final int MIB = 1 << 20;
  private Path dir;

  @BeforeEach
  void dir() throws IOException {
    dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "pagecache-");
  }

  @AfterEach
  void clean() throws IOException {
    PathUtils.deleteDirectory(dir);
  }

  @Test
  void the_advice_is_available_on_this_linux_machine() {
    try (PageCache c = PageCache.open(dir)) {
      assertThat(c.active()).isTrue();
    }
  }

  @Test
  void bytes_stay_cached_while_unflushed_and_leave_after_force_intact() throws Exception {
    DiskStagingStore s = new DiskStagingStore(dir, false);
    UUID id = UUID.randomUUID();
    // under one background-flush threshold: nothing is flushed before force()
    int size = (int) DiskStagingStore.FLUSH_BYTES - 4096;
    byte[] data = new byte[size];
    new Random(7).nextBytes(data);
    Path file = dir.resolve(id + ".bin");
    try (StagingStore.Writer w = s.openWriter(id, 0)) {
      w.write(data, 0, size);
      assertThat(Fincore.resident(file)).isGreaterThanOrEqualTo(size - 4096L); // dirty: kept
      w.force();
      assertThat(Fincore.resident(file)).isLessThanOrEqualTo(4096L);
    }
    try (InputStream in = s.read(id, 0, size)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void a_background_flush_drops_what_it_made_durable_without_force() throws Exception {
    DiskStagingStore s = new DiskStagingStore(dir, false);
    UUID id = UUID.randomUUID();
    // exactly one threshold: this write starts one background flush of all of it
    byte[] data = new byte[(int) DiskStagingStore.FLUSH_BYTES];
    new Random(11).nextBytes(data);
    Path file = dir.resolve(id + ".bin");
    try (StagingStore.Writer w = s.openWriter(id, 0)) {
      w.write(data, 0, data.length);
      // no force(): only the background flush can make these pages clean and drop them
      long deadline = System.nanoTime() + 30_000_000_000L;
      long left = Fincore.resident(file);
      while (left > 4096 && System.nanoTime() < deadline) {
        Thread.sleep(20);
        left = Fincore.resident(file);
      }
      assertThat(left).isLessThanOrEqualTo(4096L);
    }
  }

  @Test
  void bytes_written_again_after_a_truncation_are_dropped_too() throws Exception {
    DiskStagingStore s = new DiskStagingStore(dir, false);
    UUID id = UUID.randomUUID();
    byte[] a = "a".repeat(MIB).getBytes(StandardCharsets.US_ASCII);
    byte[] b = "b".repeat(MIB).getBytes(StandardCharsets.US_ASCII);
    Path file = dir.resolve(id + ".bin");
    try (StagingStore.Writer w = s.openWriter(id, 0)) {
      w.write(a, 0, a.length);
      w.force();
      w.truncate(4096);
      w.write(b, 0, b.length);
      assertThat(Fincore.resident(file)).isGreaterThanOrEqualTo(b.length - 4096L);
      w.force();
      assertThat(Fincore.resident(file)).isLessThanOrEqualTo(8192L);
    }
    try (InputStream in = s.read(id, 4096, b.length)) {
      assertThat(in.readAllBytes()).isEqualTo(b);
    }
  }
}
