package dev.forgeupload.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Framed objects: every range of original bytes reads back exactly, from only the frames that
 * hold it, for each compression; random ranges come from a seeded generator (a failure prints
 * its seed and range).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class FrameFormatTest {

  /** Log-like text: repetitive lines with varying numbers. */
  static byte[] logText(int size, long seed) {
    Random r = new Random(seed);
    ByteArrayOutputStream out = new ByteArrayOutputStream(size + 200);
    String[] levels = {"INFO", "WARN", "DEBUG", "ERROR"};
    while (out.size() < size) {
      String line = String.format("2026-12-02T05:%02d:%02d.%03dZ %s [worker-%d] UploadStored id=%08x"
              + " bytes=%d seconds=%.3f%n", r.nextInt(60), r.nextInt(60), r.nextInt(1000),
          levels[r.nextInt(4)], r.nextInt(8), r.nextInt(), r.nextInt(1 << 30), r.nextDouble());
      out.writeBytes(line.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    return Arrays.copyOf(out.toByteArray(), size);
  }

  /** Reads what the object store would answer for the range, then decodes it. */
  private static byte[] read(byte[] object, Compression c, FrameIndex index, long from, long count)
      throws IOException {
    long[] span = FramedInputStream.objectRange(index, from, count);
    InputStream part =
        new ByteArrayInputStream(object, (int) span[0], (int) (span[1] - span[0]));
    try (InputStream in = new FramedInputStream(part, c, index, from, count)) {
      return in.readAllBytes();
    }
  }

  private static byte[] frame(byte[] data, Compression c, int frameBytes, FrameIndex[] index)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    index[0] = FramedWriter.write(new ByteArrayInputStream(data), out, c, frameBytes, null);
    return out.toByteArray();
  }

  @Test
  void random_ranges_read_back_byte_exact_for_every_compression() throws IOException {
    long seed = 20261202L;
    Random r = new Random(seed);
    for (Compression c : Compression.values()) {
      for (int size : new int[] {1, 4095, 4096, 4097, 3 * 4096 + 17, 100_000}) {
        byte[] data = logText(size, size);
        FrameIndex[] index = new FrameIndex[1];
        byte[] object = frame(data, c, 4096, index);
        assertThat(index[0].length()).isEqualTo(size);
        assertThat(index[0].physicalBytes()).isEqualTo(object.length);
        assertThat(read(object, c, index[0], 0, size)).isEqualTo(data);
        for (int i = 0; i < 200; i++) {
          long from = r.nextInt(size);
          long count = r.nextInt((int) (size - from) + 1);
          assertThat(read(object, c, index[0], from, count))
              .as("seed %d, %s, size %d, range %d+%d", seed, c, size, from, count)
              .isEqualTo(Arrays.copyOfRange(data, (int) from, (int) (from + count)));
        }
      }
    }
  }

  @Test
  void a_range_fetches_only_the_frames_that_hold_it() throws IOException {
    byte[] data = logText(10 * 4096, 7);
    FrameIndex[] index = new FrameIndex[1];
    frame(data, Compression.ZSTD, 4096, index);
    FrameIndex i = index[0];
    assertThat(i.frames()).isEqualTo(10);
    long[] span = FramedInputStream.objectRange(i, 4096 * 3 + 5, 4096);
    assertThat(span).containsExactly(i.offset(3), i.end(4));
    long[] one = FramedInputStream.objectRange(i, 4096 * 9, 4096);
    assertThat(one).containsExactly(i.offset(9), i.physicalBytes());
    assertThat(FramedInputStream.objectRange(i, 0, 1)).containsExactly(0, i.end(0));
  }

  @Test
  void text_shrinks_and_each_zstd_frame_is_a_whole_zstd_frame() throws IOException {
    byte[] data = logText(8 * 4096, 3);
    FrameIndex[] index = new FrameIndex[1];
    byte[] object = frame(data, Compression.ZSTD, 4096, index);
    assertThat(object.length).isLessThan(data.length / 2);
    // the concatenated frames are one valid multi-frame zstd stream
    try (InputStream z = new com.github.luben.zstd.ZstdInputStream(new ByteArrayInputStream(object))) {
      assertThat(z.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void an_empty_object_has_no_frames() throws IOException {
    FrameIndex[] index = new FrameIndex[1];
    byte[] object = frame(new byte[0], Compression.LZ4, 4096, index);
    assertThat(object).isEmpty();
    assertThat(index[0].frames()).isZero();
    assertThat(read(object, Compression.LZ4, index[0], 0, 0)).isEmpty();
  }

  @Test
  void an_index_that_does_not_fit_the_length_is_refused() {
    assertThatThrownBy(() -> new FrameIndex(4096, new long[] {0}, 5000, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 frames");
    assertThatThrownBy(() -> new FrameIndex(4096, new long[] {0, 50}, 5000, 40))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void a_truncated_or_corrupt_object_is_an_error_not_wrong_bytes() throws IOException {
    byte[] data = logText(3 * 4096, 11);
    for (Compression c : new Compression[] {Compression.ZSTD, Compression.LZ4}) {
      FrameIndex[] index = new FrameIndex[1];
      byte[] object = frame(data, c, 4096, index);
      byte[] cut = Arrays.copyOf(object, object.length - 3);
      assertThatThrownBy(() -> {
            try (InputStream in =
                new FramedInputStream(new ByteArrayInputStream(cut), c, index[0], 0, data.length)) {
              in.readAllBytes();
            }
          })
          .isInstanceOf(IOException.class);
      byte[] bad = object.clone();
      for (int k = 0; k < 8; k++) {
        bad[(int) index[0].offset(1) + k] ^= 0x5a;
      }
      assertThatThrownBy(() -> read(bad, c, index[0], 4096, 4096)).isInstanceOf(IOException.class);
    }
  }

  @Test
  void the_range_must_lie_inside_the_object() {
    FrameIndex i = new FrameIndex(4096, new long[] {0}, 10, 8);
    assertThatThrownBy(() -> new FramedInputStream(InputStream.nullInputStream(),
        Compression.ZSTD, i, 5, 6)).isInstanceOf(IllegalArgumentException.class);
  }
}
