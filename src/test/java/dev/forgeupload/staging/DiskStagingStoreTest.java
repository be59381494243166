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
}
