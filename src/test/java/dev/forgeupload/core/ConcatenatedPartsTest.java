package dev.forgeupload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.staging.DiskStagingStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parts of final (concatenated) uploads after their final is stored or deleted, against the
 * in-memory repository, a real staging directory and an in-memory object store: {@code
 * concatenated} once a stored final holds their bytes, never freed while another final still
 * needs them, gone with their final, and never unfinished.
 */
class ConcatenatedPartsTest {
  private static final String OWNER = "alice";
  @TempDir Path dir;
  InMemoryUploadRepository repo;
  DiskStagingStore staging;
  UploadWriterTest.MemoryObjects objects;
  Uploads uploads;
  UploadWriter writer;

  @BeforeEach
  void setUp() throws IOException {
    repo = new InMemoryUploadRepository();
    staging = new DiskStagingStore(dir);
    objects = new UploadWriterTest.MemoryObjects();
    uploads =
        Uploads.wire(repo, staging, objects, new UploadWriterTest.RecordingQueue(),
            UploadEvents.NONE, UploadMetrics.NONE, ContentPolicy.defaults(),
            new OwnerLimits(0, 6), Clock.systemUTC(),
            new UploadWriter.Settings(1 << 30, Duration.ofDays(1), Duration.ZERO));
    writer = uploads.writer();
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private NewUpload newUpload(UploadKind kind, Long length, List<UUID> parts) {
    return new NewUpload(UUID.randomUUID(), OWNER, length, kind, parts, Map.of(), null,
        "127.0.0.1", OffsetDateTime.now().plusDays(1));
  }

  private Upload part(byte[] data) throws IOException {
    Upload p = writer.create(newUpload(UploadKind.PARTIAL, (long) data.length, null));
    return writer.append(p.id(), new Patch(0, null, null, null, false, null),
        new ByteArrayInputStream(data));
  }

  private Upload finalOf(Upload... parts) {
    return writer.create(
        newUpload(UploadKind.FINAL, null, Arrays.stream(parts).map(Upload::id).toList()));
  }

  /** What the worker does: the final's bytes into the object store, stored, staging dropped. */
  private void store(Upload fin) throws IOException {
    Upload f = repo.find(fin.id()).orElseThrow();
    String key = "objects/" + f.id();
    try (InputStream in = uploads.reader().open(f, 0, f.length())) {
      objects.put(key, in, f.length(), null);
    }
    repo.stored(f.id(), key, "sha");
    uploads.lifecycle().dropStaged(repo.find(f.id()).orElseThrow());
  }

  private UploadState state(Upload u) {
    return repo.find(u.id()).orElseThrow().state();
  }

  private byte[] content(Upload u, long from, long count) throws IOException {
    try (InputStream in = uploads.reader().open(repo.find(u.id()).orElseThrow(), from, count)) {
      return in.readAllBytes();
    }
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void parts_of_a_stored_final_are_concatenated_their_staging_gone_and_still_answer()
      throws IOException {
    byte[] a = random(3000, 1);
    byte[] b = random(2000, 2);
    Upload p1 = part(a);
    Upload p2 = part(b);
    Upload fin = finalOf(p1, p2);
    assertThat(fin.state()).isEqualTo(UploadState.QUEUED);

    store(fin);

    assertThat(state(p1)).isEqualTo(UploadState.CONCATENATED);
    assertThat(state(p2)).isEqualTo(UploadState.CONCATENATED);
    assertThat(staging.list()).isEmpty();
    // a HEAD while resuming: the part is there, complete, offset = length
    Upload head = uploads.lifecycle().current(p2.id());
    assertThat(head.offset()).isEqualTo(2000).isEqualTo(head.length());
    assertThat(head.isComplete()).isTrue();
    // its bytes are its stretch of the final's object
    assertThat(content(p2, 0, 2000)).isEqualTo(b);
    assertThat(content(p2, 100, 50)).isEqualTo(Arrays.copyOfRange(b, 100, 150));
    assertThat(content(fin, 0, 5000)).isEqualTo(concat(a, b));
    // an empty PATCH after the last byte (clients send one) still answers with the offset
    Upload again = writer.append(p1.id(), new Patch(3000, null, null, null, false, null),
        new ByteArrayInputStream(new byte[0]));
    assertThat(again.offset()).isEqualTo(3000);
    assertThat(state(p1)).isEqualTo(UploadState.CONCATENATED);
  }

  @Test
  void concatenated_parts_are_never_unfinished_so_the_limit_stays_free() throws IOException {
    for (int round = 0; round < 3; round++) {
      Upload[] parts = new Upload[4];
      for (int i = 0; i < 4; i++) {
        parts[i] = part(random(100 + i, round * 10 + i));
      }
      store(finalOf(parts));
    }
    assertThat(repo.usage(OWNER).active()).isZero();
    for (int i = 0; i < 6; i++) {
      writer.create(newUpload(UploadKind.REGULAR, 10L, null));
    }
    assertThatThrownBy(() -> writer.create(newUpload(UploadKind.REGULAR, 10L, null)))
        .isInstanceOfSatisfying(UploadException.class, e -> assertThat(e.status()).isEqualTo(429));
  }

  @Test
  void a_part_another_final_still_needs_keeps_its_bytes_until_that_one_is_stored_too()
      throws IOException {
    byte[] a = random(700, 3);
    byte[] b = random(300, 4);
    byte[] c = random(50, 5);
    Upload p1 = part(a);
    Upload p2 = part(b);
    Upload first = finalOf(p1, p2);
    Upload pending = part(c); // complete, waiting for its final
    Upload unfinished = writer.create(newUpload(UploadKind.PARTIAL, 60L, null)); // not complete
    Upload second = finalOf(p2, pending, unfinished);
    assertThat(second.isComplete()).isFalse();

    store(first);

    assertThat(state(p1)).isEqualTo(UploadState.CONCATENATED);
    assertThat(state(p2)).as("listed by an unfinished final").isEqualTo(UploadState.UPLOADING);
    assertThat(staging.list()).extracting(StagingStore.Entry::id).contains(p2.id())
        .doesNotContain(p1.id());

    // the second final completes and is stored: now p2 goes too
    byte[] d = random(60, 6);
    writer.append(unfinished.id(), new Patch(0, null, null, null, false, null),
        new ByteArrayInputStream(d));
    Upload done = repo.find(second.id()).orElseThrow();
    assertThat(done.state()).isEqualTo(UploadState.QUEUED);
    assertThat(content(done, 0, done.length())).isEqualTo(concat(b, c, d));
    store(done);
    assertThat(List.of(state(p2), state(pending), state(unfinished)))
        .containsOnly(UploadState.CONCATENATED);
    assertThat(staging.list()).isEmpty();
  }

  @Test
  void a_failed_final_that_can_be_retried_keeps_its_parts_a_rejected_one_does_not() {
    Upload part = new Upload(UUID.randomUUID(), OWNER, null, null, 10L, 10, UploadState.UPLOADING,
        UploadKind.PARTIAL, null, Map.of(), null, null, null, null, null, null, null,
        OffsetDateTime.now(), null, null);
    Upload stored = fin(UploadState.STORED, true, part);
    assertThat(ConcatParts.next(part, List.of(stored, fin(UploadState.FAILED, true, part)), false))
        .isEmpty();
    assertThat(ConcatParts.next(part, List.of(stored, fin(UploadState.FAILED, false, part)), false))
        .hasValue(UploadState.CONCATENATED);
    for (UploadState busy : List.of(UploadState.UPLOADING, UploadState.QUEUED, UploadState.STORING)) {
      assertThat(ConcatParts.next(part, List.of(stored, fin(busy, false, part)), true)).isEmpty();
    }
    assertThat(ConcatParts.next(part, List.of(fin(UploadState.DELETED, true, part)), false))
        .isEmpty();
    assertThat(ConcatParts.next(part, List.of(fin(UploadState.DELETED, true, part)), true))
        .hasValue(UploadState.DELETED);
    assertThat(ConcatParts.next(part, List.of(fin(UploadState.EXPIRED, false, part),
        stored), true)).hasValue(UploadState.CONCATENATED);

    Upload concatenated = new Upload(part.id(), OWNER, null, null, 10L, 10,
        UploadState.CONCATENATED, UploadKind.PARTIAL, null, Map.of(), null, null, null, null,
        null, null, null, OffsetDateTime.now(), null, null);
    Upload queued = fin(UploadState.QUEUED, true, part);
    assertThat(ConcatParts.needsRestore(concatenated, List.of(queued))).isTrue();
    assertThat(ConcatParts.needsRestore(concatenated, List.of(queued, stored))).isFalse();
    assertThat(ConcatParts.needsRestore(concatenated, List.of())).isFalse();
    assertThat(ConcatParts.needsRestore(part, List.of(queued))).as("still staged").isFalse();
  }

  private static Upload fin(UploadState state, boolean complete, Upload part) {
    return new Upload(UUID.randomUUID(), OWNER, null, null, 10L, complete ? 10 : 0, state,
        UploadKind.FINAL, List.of(part.id()), Map.of(), null, null,
        state == UploadState.STORED ? "key" : null, null, null, null, null,
        complete ? OffsetDateTime.now() : null, null, null);
  }

  @Test
  void a_final_built_again_from_concatenated_parts_reads_them_from_the_stored_final()
      throws IOException {
    byte[] a = random(1000, 7);
    byte[] b = random(500, 8);
    Upload p1 = part(a);
    Upload p2 = part(b);
    store(finalOf(p1, p2));

    // what Uppy does when the same file is added again: HEAD the parts, POST the final again
    Upload again = finalOf(p2, p1);

    assertThat(again.state()).isEqualTo(UploadState.QUEUED);
    assertThat(again.length()).isEqualTo(1500);
    assertThat(content(again, 0, 1500)).isEqualTo(concat(b, a));
    assertThat(content(again, 400, 300)).isEqualTo(Arrays.copyOfRange(concat(b, a), 400, 700));
    store(again);
    assertThat(List.of(state(p1), state(p2))).containsOnly(UploadState.CONCATENATED);
    assertThat(content(again, 0, 1500)).isEqualTo(concat(b, a));
    assertThat(staging.list()).isEmpty();
  }

  @Test
  void deleting_the_stored_final_a_pending_one_reads_from_stages_the_parts_again()
      throws IOException {
    byte[] a = random(3000, 13);
    byte[] b = random(2000, 14);
    Upload p1 = part(a);
    Upload p2 = part(b);
    Upload first = finalOf(p1, p2);
    store(first);
    Upload pending = finalOf(p2); // built again, not stored yet
    assertThat(staging.list()).isEmpty();

    uploads.lifecycle().terminate(first.id());

    assertThat(state(p1)).isEqualTo(UploadState.DELETED);
    assertThat(state(p2)).as("staged again for the pending final").isEqualTo(UploadState.UPLOADING);
    try (InputStream in = staging.read(p2.id(), 0, 2000)) {
      assertThat(in.readAllBytes()).isEqualTo(b);
    }
    assertThat(objects.objects).as("first's object is gone").doesNotContainKey("objects/" + first.id());
    store(pending);
    assertThat(content(pending, 0, 2000)).isEqualTo(b);
    assertThat(state(p2)).isEqualTo(UploadState.CONCATENATED);
    assertThat(staging.list()).isEmpty();
  }

  @Test
  void a_deleted_part_cannot_be_built_into_a_final() throws IOException {
    Upload p1 = part(random(10, 15));
    uploads.lifecycle().terminate(p1.id());
    assertThatThrownBy(() -> finalOf(p1))
        .isInstanceOfSatisfying(UploadException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).contains(p1.id().toString(), "deleted");
        });
    assertThat(repo.rows.values()).filteredOn(u -> u.kind() == UploadKind.FINAL).isEmpty();
  }

  @Test
  void deleting_a_stored_final_deletes_its_parts_unless_another_stored_final_holds_them()
      throws IOException {
    byte[] a = random(40, 9);
    byte[] b = random(20, 10);
    Upload p1 = part(a);
    Upload p2 = part(b);
    Upload f1 = finalOf(p1, p2);
    Upload f2 = finalOf(p2);
    store(f1);
    assertThat(state(p2)).as("f2 still needs it").isEqualTo(UploadState.UPLOADING);
    store(f2);
    assertThat(state(p2)).isEqualTo(UploadState.CONCATENATED);

    uploads.lifecycle().terminate(f1.id());

    assertThat(state(p1)).isEqualTo(UploadState.DELETED);
    assertThat(state(p2)).as("f2 holds its bytes").isEqualTo(UploadState.CONCATENATED);
    assertThat(content(p2, 0, 20)).isEqualTo(b);
    assertThatThrownBy(() -> uploads.lifecycle().current(p1.id()))
        .isInstanceOfSatisfying(UploadException.class, e -> assertThat(e.status()).isEqualTo(410));

    uploads.lifecycle().terminate(f2.id());
    assertThat(state(p2)).isEqualTo(UploadState.DELETED);
  }

  @Test
  void deleting_an_unfinished_final_deletes_its_parts_and_their_staged_bytes() throws IOException {
    Upload done = part(random(30, 11));
    Upload half = writer.create(newUpload(UploadKind.PARTIAL, 30L, null));
    writer.append(half.id(), new Patch(0, null, null, null, false, null),
        new ByteArrayInputStream(random(10, 12)));
    Upload fin = finalOf(done, half);
    assertThat(staging.list()).hasSize(2);

    uploads.lifecycle().terminate(fin.id());

    assertThat(List.of(state(done), state(half))).containsOnly(UploadState.DELETED);
    assertThat(staging.list()).isEmpty();
    assertThat(repo.usage(OWNER).active()).isZero();
  }
}
