package dev.forgeupload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@link ContentReader}: a complete upload's bytes from the object, staging, or its parts. */
class ContentReaderTest {
  private final CoreFixture f = new CoreFixture();

  private ContentReader reader() {
    return f.uploads.reader();
  }

  private Upload put(UploadKind kind, UploadState state, long length, List<UUID> parts,
      String key) {
    return f.repo.put(CoreFixture.row(UUID.randomUUID(), kind, state, length, length, true, parts,
        key));
  }

  private static String read(InputStream in) throws IOException {
    try (in) {
      return new String(in.readAllBytes());
    }
  }

  @Test
  void nothing_is_opened_for_no_bytes() throws IOException {
    Upload u = put(UploadKind.REGULAR, UploadState.QUEUED, 0, null, null);
    f.staging.failRead = new IOException("must not be read");
    assertThat(read(reader().open(u, 0, 0))).isEmpty();
  }

  @Test
  void a_stored_upload_is_read_from_its_object_and_others_from_staging() throws IOException {
    Upload stored = put(UploadKind.REGULAR, UploadState.STORED, 10, null, "k");
    f.objects.objects.put("k", "0123456789".getBytes());
    f.staging.put(stored.id(), "abcdefghij".getBytes());
    assertThat(read(reader().open(stored, 2, 3))).isEqualTo("234");
    Upload queued = put(UploadKind.REGULAR, UploadState.QUEUED, 10, null, null);
    f.staging.put(queued.id(), "abcdefghij".getBytes());
    assertThat(read(reader().open(queued, 2, 3))).isEqualTo("cde");
    Upload storedNoKey = put(UploadKind.REGULAR, UploadState.STORED, 10, null, null);
    f.staging.put(storedNoKey.id(), "abcdefghij".getBytes());
    assertThat(read(reader().open(storedNoKey, 0, 2))).isEqualTo("ab");
  }

  @Test
  void a_row_read_before_the_worker_stored_it_is_read_from_the_object() throws IOException {
    Upload stale = put(UploadKind.REGULAR, UploadState.QUEUED, 10, null, null);
    f.objects.objects.put("k", "0123456789".getBytes());
    f.repo.rows.stored(stale.id(), "k", "sha");
    assertThat(read(reader().open(stale, 5, 5))).isEqualTo("56789");
  }

  @Test
  void a_row_deleted_since_it_was_read_is_410_and_a_lost_file_is_an_io_error() {
    Upload stale = put(UploadKind.REGULAR, UploadState.QUEUED, 10, null, null);
    f.repo.rows.markState(stale.id(), UploadState.DELETED, null);
    assertThatThrownBy(() -> reader().open(stale, 0, 5))
        .isInstanceOfSatisfying(UploadException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.GONE));
    Upload lost = put(UploadKind.REGULAR, UploadState.QUEUED, 10, null, null);
    assertThatThrownBy(() -> reader().open(lost, 0, 5)).isInstanceOf(NoSuchFileException.class);
    Upload storedWithoutKey = put(UploadKind.REGULAR, UploadState.QUEUED, 10, null, null);
    f.repo.rows.stored(storedWithoutKey.id(), null, "sha");
    assertThatThrownBy(() -> reader().open(storedWithoutKey, 0, 5))
        .isInstanceOf(NoSuchFileException.class);
    Upload vanished = put(UploadKind.REGULAR, UploadState.QUEUED, 10, null, null);
    f.repo.rows.rows.remove(vanished.id());
    assertThatThrownBy(() -> reader().open(vanished, 0, 5))
        .isInstanceOfSatisfying(UploadException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.NOT_FOUND));
  }

  @Test
  void a_final_reads_its_parts_in_order_from_any_offset() throws IOException {
    Upload a = put(UploadKind.PARTIAL, UploadState.UPLOADING, 3, null, null);
    Upload b = put(UploadKind.PARTIAL, UploadState.UPLOADING, 4, null, null);
    Upload c = put(UploadKind.PARTIAL, UploadState.UPLOADING, 3, null, null);
    f.staging.put(a.id(), "abc".getBytes());
    f.staging.put(b.id(), "defg".getBytes());
    f.staging.put(c.id(), "hij".getBytes());
    Upload fin = put(UploadKind.FINAL, UploadState.QUEUED, 10, List.of(a.id(), b.id(), c.id()),
        null);
    assertThat(read(reader().open(fin, 0, 10))).isEqualTo("abcdefghij");
    assertThat(read(reader().open(fin, 3, 4))).isEqualTo("defg");
    assertThat(read(reader().open(fin, 2, 3))).isEqualTo("cde");
    assertThat(read(reader().open(fin, 4, 5))).isEqualTo("efghi");
    assertThat(read(reader().open(fin, 7, 3))).isEqualTo("hij");
    assertThat(read(reader().open(fin, 0, 3))).isEqualTo("abc");
    try (InputStream in = reader().open(fin, 1, 4)) {
      assertThat(in.read()).isEqualTo('b');
      byte[] buf = new byte[8];
      assertThat(in.read(buf, 0, 8)).isEqualTo(1);
      assertThat((char) buf[0]).isEqualTo('c');
    }
  }

  @Test
  void a_final_opens_its_first_part_at_once_and_each_later_part_only_when_it_is_read()
      throws IOException {
    Upload a = put(UploadKind.PARTIAL, UploadState.UPLOADING, 3, null, null);
    Upload b = put(UploadKind.PARTIAL, UploadState.UPLOADING, 3, null, null);
    f.staging.put(a.id(), "abc".getBytes());
    Upload fin = put(UploadKind.FINAL, UploadState.QUEUED, 6, List.of(a.id(), b.id()), null);
    InputStream in = reader().open(fin, 0, 6);
    assertThat(f.staging.opened.get()).as("only the first part").isEqualTo(1);
    in.close();
    assertThat(f.staging.closed.get()).isEqualTo(1);
    try (InputStream again = reader().open(fin, 0, 6)) {
      assertThat(again.readNBytes(3)).isEqualTo("abc".getBytes());
      assertThatThrownBy(again::read).hasCauseInstanceOf(NoSuchFileException.class);
    }
    assertThat(f.staging.opened.get()).isEqualTo(2);
    assertThat(f.staging.closed.get()).as("each part's file is closed with the final's stream")
        .isEqualTo(2);
  }

  @Test
  void a_final_read_before_the_worker_stored_it_and_dropped_its_parts_is_read_from_the_object()
      throws IOException {
    Upload a = put(UploadKind.PARTIAL, UploadState.UPLOADING, 3, null, null);
    Upload b = put(UploadKind.PARTIAL, UploadState.UPLOADING, 3, null, null);
    Upload stale = put(UploadKind.FINAL, UploadState.QUEUED, 6, List.of(a.id(), b.id()), null);
    // the worker stored the final and dropped the parts' staged files after the row was read
    f.objects.objects.put("f", "abcdef".getBytes());
    f.repo.rows.stored(stale.id(), "f", "sha");
    assertThat(read(reader().open(stale, 1, 4))).isEqualTo("bcde");
  }

  @Test
  void an_object_store_that_fails_once_is_asked_again_before_anything_is_sent()
      throws IOException {
    Upload stored = put(UploadKind.REGULAR, UploadState.STORED, 10, null, "k");
    f.objects.objects.put("k", "0123456789".getBytes());
    f.objects.failGets.set(1);
    assertThat(read(reader().open(stored, 0, 4))).isEqualTo("0123");
    f.objects.failGets.set(2);
    assertThatThrownBy(() -> reader().open(stored, 0, 4)).isInstanceOf(IOException.class)
        .hasMessageContaining("failed this once");
  }

  @Test
  void a_row_inserted_with_its_offset_keeps_its_claim() {
    NewUpload n = f.newUpload(null, 9L, UploadKind.REGULAR, "text/plain", "a.txt");
    Upload u = f.repo.create(n, 4);
    assertThat(u.offset()).isEqualTo(4);
    assertThat(u.contentType()).isEqualTo("text/plain");
  }

  @Test
  void a_stored_final_is_read_from_its_object() throws IOException {
    Upload fin = put(UploadKind.FINAL, UploadState.STORED, 4, List.of(UUID.randomUUID()), "f");
    f.objects.objects.put("f", "wxyz".getBytes());
    assertThat(read(reader().open(fin, 1, 2))).isEqualTo("xy");
  }
}
