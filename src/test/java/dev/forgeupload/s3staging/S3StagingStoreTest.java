package dev.forgeupload.s3staging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.core.StagingStore;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadState;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The S3 staging logic on in-memory S3 and rows: parts, tails, checkpoints, resume, cleanup. */
class S3StagingStoreTest {
  private static final int MIB = 1 << 20;
  private final FakeS3 s3 = new FakeS3();
  private final FakeRows rows = new FakeRows();
  private final Map<UUID, Upload> uploads = new ConcurrentHashMap<>();

  /** A node: its own store instance on the shared S3 and rows. */
  private S3StagingStore node() {
    return new S3StagingStore(s3, rows, id -> Optional.ofNullable(uploads.get(id)), 10_000,
        1L << 40, Duration.ZERO);
  }

  private UUID newUpload(long length) {
    UUID id = UUID.randomUUID();
    uploads.put(id, upload(id, length, 0));
    return id;
  }

  private static Upload upload(UUID id, long length, long offset) {
    OffsetDateTime now = OffsetDateTime.parse("2026-12-02T05:00:00Z");
    return new Upload(id, null, "f.bin", "application/octet-stream", length, offset,
        offset == length ? UploadState.QUEUED : UploadState.UPLOADING, UploadKind.REGULAR,
        List.of(), Map.of(), null, null, null, null, null, now, now, null, null, null);
  }

  private void record(UUID id, long offset) {
    Upload u = uploads.get(id);
    uploads.put(id, upload(id, u.length(), offset));
  }

  private StagingStore.Plan plan(UUID id) {
    return new StagingStore.Plan("uploads/2026/12/02/" + id + "/f.bin", uploads.get(id).length());
  }

  /** One PATCH: open at the recorded offset, write, force, record. */
  private void patch(S3StagingStore node, UUID id, byte[] data, int from, int to)
      throws Exception {
    long at = uploads.get(id).offset();
    try (StagingStore.Writer w = node.openWriter(id, at, plan(id))) {
      w.write(data, from, to - from);
      w.force();
      record(id, w.position());
    }
  }

  private static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private static byte[] data(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  @Test
  void patches_on_different_nodes_become_one_object_with_the_running_sha256() throws Exception {
    byte[] data = data(12 * MIB + 1000);
    UUID id = newUpload(data.length);
    patch(node(), id, data, 0, 3 * MIB);
    patch(node(), id, data, 3 * MIB, 7 * MIB + 5);
    patch(node(), id, data, 7 * MIB + 5, data.length);

    Optional<StagingStore.InPlace> stored = node().storeInPlace(uploads.get(id));

    assertThat(stored).isPresent();
    assertThat(s3.objects.get(stored.get().key())).isEqualTo(data);
    assertThat(stored.get().sha256()).isEqualTo(sha(data));
    assertThat(s3.partUploads).as("two full parts, each sent once; the tail copied").isEqualTo(2);
  }

  @Test
  void a_writer_killed_mid_body_keeps_the_acknowledged_parts_and_another_node_continues()
      throws Exception {
    byte[] data = data(13 * MIB);
    UUID id = newUpload(data.length);
    StagingStore.Writer w = node().openWriter(id, 0, plan(id));
    w.write(data, 0, 11 * MIB);
    long durable = w.checkpoint(w.position());
    assertThat(durable).as("the last part S3 acknowledged").isEqualTo(10 * MIB);
    record(id, durable);
    // the node dies: no force, no close

    patch(node(), id, data, (int) durable, data.length);
    StagingStore.InPlace stored = node().storeInPlace(uploads.get(id)).orElseThrow();

    assertThat(s3.objects.get(stored.key())).isEqualTo(data);
    assertThat(stored.sha256()).isEqualTo(sha(data));
  }

  @Test
  void parts_sent_after_the_recorded_offset_are_sent_again_with_the_same_numbers()
      throws Exception {
    byte[] data = data(16 * MIB);
    UUID id = newUpload(data.length);
    StagingStore.Writer w = node().openWriter(id, 0, plan(id));
    w.write(data, 0, 12 * MIB); // parts 1 and 2 acknowledged
    record(id, 5 * MIB); // but only the first checkpoint was recorded before the kill

    patch(node(), id, data, 5 * MIB, data.length);
    StagingStore.InPlace stored = node().storeInPlace(uploads.get(id)).orElseThrow();

    assertThat(s3.objects.get(stored.key())).isEqualTo(data);
    assertThat(stored.sha256()).isEqualTo(sha(data));
    assertThat(rows.checkpoints(id)).extracting(StagingRows.Checkpoint::offset)
        .contains((long) data.length);
  }

  @Test
  void truncate_goes_back_to_the_checkpoint_and_other_bytes_can_follow() throws Exception {
    byte[] data = data(8 * MIB);
    UUID id = newUpload(data.length);
    patch(node(), id, data, 0, 2 * MIB);
    try (StagingStore.Writer w = node().openWriter(id, 2 * MIB, plan(id))) {
      w.write(data(6 * MIB), 0, 6 * MIB); // wrong bytes, past a part boundary
      w.truncate(2 * MIB);
      assertThat(w.position()).isEqualTo(2 * MIB);
      w.write(data, 2 * MIB, 6 * MIB);
      w.force();
      record(id, w.position());
    }
    StagingStore.InPlace stored = node().storeInPlace(uploads.get(id)).orElseThrow();
    assertThat(s3.objects.get(stored.key())).isEqualTo(data);
    assertThat(stored.sha256()).isEqualTo(sha(data));
  }

  @Test
  void a_new_tail_never_overwrites_the_committed_one() throws Exception {
    byte[] data = data(3 * MIB);
    UUID id = newUpload(data.length);
    patch(node(), id, data, 0, MIB);
    String first = rows.checkpoint(id, MIB).orElseThrow().tailKey();
    patch(node(), id, data, MIB, 2 * MIB);
    String second = rows.checkpoint(id, 2 * MIB).orElseThrow().tailKey();
    assertThat(second).isNotEqualTo(first);
    assertThat(s3.objects).containsKey(second);

    patch(node(), id, data, 2 * MIB, 3 * MIB); // opening at 2 MiB drops the superseded one
    assertThat(s3.objects).doesNotContainKey(first);
  }

  @Test
  void the_first_bytes_are_readable_without_any_disk_before_completion() throws Exception {
    byte[] data = data(7 * MIB);
    UUID id = newUpload(data.length);
    S3StagingStore node = node();
    try (StagingStore.Writer w = node.openWriter(id, 0, plan(id))) {
      w.write(data, 0, 100_000);
      try (InputStream in = node.read(id, 0, 65_536)) { // the content check, mid-body
        assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOf(data, 65_536));
      }
      w.write(data, 100_000, 6 * MIB - 100_000);
      w.force();
      record(id, w.position());
    }
    try (InputStream in = node().read(id, 0, 65_536)) {
      assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOf(data, 65_536));
    }
    try (InputStream in = node().read(id, 5 * MIB, MIB)) { // the tail
      assertThat(in.readAllBytes())
          .isEqualTo(java.util.Arrays.copyOfRange(data, 5 * MIB, 6 * MIB));
    }
  }

  @Test
  void delete_aborts_the_multipart_upload_and_removes_tails_and_rows() throws Exception {
    byte[] data = data(7 * MIB);
    UUID id = newUpload(data.length);
    patch(node(), id, data, 0, 6 * MIB);
    assertThat(s3.multiparts).hasSize(1);

    node().delete(id);

    assertThat(s3.multiparts).isEmpty();
    assertThat(s3.objects).isEmpty();
    assertThat(rows.find(id)).isEmpty();
  }

  @Test
  void the_sweeper_aborts_multipart_uploads_no_row_owns() throws Exception {
    byte[] data = data(MIB);
    UUID id = newUpload(data.length);
    patch(node(), id, data, 0, MIB / 2);
    s3.create("uploads/2026/12/02/" + UUID.randomUUID() + "/lost.bin", "x");
    assertThat(s3.multiparts).hasSize(2);

    assertThat(node().sweep()).isEqualTo(1);

    assertThat(s3.multiparts).hasSize(1);
    assertThat(rows.find(id).orElseThrow().multipartId()).isIn(s3.multiparts.keySet());
  }

  @Test
  void the_sweeper_deletes_tails_no_checkpoint_names_and_keeps_the_live_one() throws Exception {
    byte[] data = data(2 * MIB);
    UUID id = newUpload(data.length);
    patch(node(), id, data, 0, MIB);
    String live = rows.checkpoint(id, MIB).orElseThrow().tailKey();
    String lost = S3StagingStore.tailKey(id, 2 * MIB); // put, then the node died
    s3.put(lost, data, 10);

    assertThat(node().sweep()).isEqualTo(1);

    assertThat(s3.objects).containsKey(live).doesNotContainKey(lost);
  }

  @Test
  void an_s3_without_part_copy_gets_the_tail_sent_again() throws Exception {
    s3.copyPartWorks = false;
    byte[] data = data(6 * MIB + 7);
    UUID id = newUpload(data.length);
    patch(node(), id, data, 0, data.length);
    StagingStore.InPlace stored = node().storeInPlace(uploads.get(id)).orElseThrow();
    assertThat(s3.objects.get(stored.key())).isEqualTo(data);
  }

  @Test
  void an_empty_upload_that_staged_nothing_is_left_to_the_streaming_path() throws Exception {
    UUID id = newUpload(0);
    assertThat(node().storeInPlace(uploads.get(id))).isEmpty();
  }

  @Test
  void a_small_part_limit_forces_larger_parts() throws Exception {
    S3StagingStore node = new S3StagingStore(s3, rows, id -> Optional.ofNullable(uploads.get(id)),
        2, 1L << 40, Duration.ZERO);
    byte[] data = data(14 * MIB);
    UUID id = newUpload(data.length);
    patch(node, id, data, 0, data.length);
    assertThat(rows.find(id).orElseThrow().partBytes()).isEqualTo(7L * MIB);
    StagingStore.InPlace stored = node.storeInPlace(uploads.get(id)).orElseThrow();
    assertThat(s3.objects.get(stored.key())).isEqualTo(data);
  }
}
