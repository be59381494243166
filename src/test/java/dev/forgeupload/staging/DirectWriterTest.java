package dev.forgeupload.staging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.core.StagingStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Direct writes: on this machine's disk (files under {@code target/}) they are on, they leave the
 * page cache alone, and whatever the pieces, offsets, truncations and reopenings, the file holds
 * exactly the bytes written, readable after a flush, and a checkpoint covers only bytes in it.
 */
class DirectWriterTest {
  private Path dir;

  @BeforeEach
  void dir() throws IOException {
    dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "direct-");
  }

  @AfterEach
  void clean() throws IOException {
    PathUtils.deleteDirectory(dir);
  }

  @Test
  void direct_writes_are_on_here_and_bypass_the_page_cache() throws Exception {
    DiskStagingStore s = new DiskStagingStore(dir);
    assertThat(s.direct()).isTrue();
    UUID id = UUID.randomUUID();
    byte[] data = new byte[4 * DiskStagingStore.DIRECT_BUFFER_BYTES + 100];
    new Random(5).nextBytes(data);
    try (StagingStore.Writer w = s.openWriter(id, 0)) {
      assertThat(w).isInstanceOf(DirectWriter.class);
      for (int off = 0; off < data.length; off += DiskStagingStore.DIRECT_BUFFER_BYTES) {
        w.write(data, off, Math.min(DiskStagingStore.DIRECT_BUFFER_BYTES, data.length - off));
      }
      w.force();
      // only the partial last block went through the cache
      assertThat(Fincore.resident(dir.resolve(id + ".bin"))).isLessThanOrEqualTo(4096L);
    }
    assertThat(read(s, id, 0, data.length)).isEqualTo(data);
  }

  @Test
  void a_store_without_direct_writes_or_out_of_buffers_writes_through_the_cache()
      throws Exception {
    DiskStagingStore off = new DiskStagingStore(dir, false);
    assertThat(off.direct()).isFalse();
    try (StagingStore.Writer w = off.openWriter(UUID.randomUUID(), 0)) {
      assertThat(w).isNotInstanceOf(DirectWriter.class);
    }
    DiskStagingStore one = new DiskStagingStore(dir, true, 1);
    UUID a = UUID.randomUUID();
    UUID b = UUID.randomUUID();
    try (StagingStore.Writer first = one.openWriter(a, 0);
        StagingStore.Writer second = one.openWriter(b, 0)) {
      assertThat(first).isInstanceOf(DirectWriter.class);
      assertThat(second).isNotInstanceOf(DirectWriter.class);
      byte[] x = "x".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
      first.write(x, 0, x.length);
      second.write(x, 0, x.length);
      first.force();
      second.force();
    }
    assertThat(read(one, a, 0, 10_000)).isEqualTo(read(one, b, 0, 10_000));
    try (StagingStore.Writer again = one.openWriter(UUID.randomUUID(), 0)) {
      assertThat(again).as("the buffer came back").isInstanceOf(DirectWriter.class);
    }
  }

  @Test
  void random_pieces_offsets_truncations_and_reopenings_keep_exactly_the_bytes_written()
      throws Exception {
    DiskStagingStore s = new DiskStagingStore(dir);
    for (long seed = 1; seed <= 40; seed++) {
      Random r = new Random(seed);
      UUID id = UUID.randomUUID();
      byte[] model = new byte[0];
      for (int session = 0; session < 6; session++) {
        // resume at the end, or anywhere before it (a rollback to a recorded offset)
        long start = r.nextInt(3) == 0 ? r.nextInt(model.length + 1) : model.length;
        model = Arrays.copyOf(model, (int) start);
        try (StagingStore.Writer w = s.openWriter(id, start)) {
          for (int op = 0; op < 5; op++) {
            if (r.nextInt(6) == 0 && model.length > 0) {
              int cut = r.nextInt(model.length + 1);
              w.truncate(cut);
              model = Arrays.copyOf(model, cut);
            } else {
              int len = pieceLength(r);
              byte[] piece = new byte[len + 7];
              r.nextBytes(piece);
              int from = r.nextInt(7);
              w.write(piece, from, len);
              int old = model.length;
              model = Arrays.copyOf(model, old + len);
              System.arraycopy(piece, from, model, old, len);
            }
            assertThat(w.position()).isEqualTo(model.length);
            // a checkpoint covers only what left the buffer, and that is in the file
            long covered = w.checkpoint(model.length);
            assertThat(covered).isBetween(0L, (long) model.length);
            assertThat(read(s, id, 0, covered)).as("seed %d", seed)
                .isEqualTo(Arrays.copyOf(model, (int) covered));
            // readable after a flush, before any force
            w.flush();
            assertThat(read(s, id, 0, model.length)).as("seed %d", seed).isEqualTo(model);
          }
          if (r.nextBoolean()) {
            w.force();
          }
        }
        assertThat(s.size(id)).as("seed %d", seed).isEqualTo(model.length);
      }
      assertThat(read(s, id, 0, model.length)).as("seed %d", seed).isEqualTo(model);
    }
  }

  /** Mostly whole buffers and odd sizes, sometimes a byte or a block. */
  private static int pieceLength(Random r) {
    return switch (r.nextInt(5)) {
      case 0 -> DiskStagingStore.DIRECT_BUFFER_BYTES;
      case 1 -> 1 + r.nextInt(10);
      case 2 -> 4096;
      case 3 -> 1 + r.nextInt(3 * DiskStagingStore.DIRECT_BUFFER_BYTES);
      default -> 1 + r.nextInt(20_000);
    };
  }

  private static byte[] read(DiskStagingStore s, UUID id, long from, long count)
      throws IOException {
    try (InputStream in = s.read(id, from, count)) {
      return in.readAllBytes();
    }
  }
}
