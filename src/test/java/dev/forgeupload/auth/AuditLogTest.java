package dev.forgeupload.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The audit log's entries as the store receives them; a failing store fails no request. */
class AuditLogTest {
  /** Records each append call; {@code fail} makes it throw. */
  static final class RecordingStore implements AuditStore {
    final List<List<NewEntry>> appends = new ArrayList<>();
    final List<Object[]> lists = new ArrayList<>();
    boolean fail;

    @Override
    public void append(List<NewEntry> entries) {
      if (fail) {
        throw new IllegalStateException("database down");
      }
      appends.add(List.copyOf(entries));
    }

    @Override
    public List<AuditLog.Entry> list(String actor, UUID uploadId, String action, Long before,
        int limit) {
      lists.add(new Object[] {actor, uploadId, action, before, limit});
      return List.of(new AuditLog.Entry(1, null, actor, action, uploadId, null, null));
    }
  }

  private final RecordingStore store = new RecordingStore();
  private final AuditLog log = new AuditLog(store);
  private final Principal ann = new Principal("ann", false, "jwt");

  @Test
  void an_entry_names_who_did_what_to_which_upload_from_where() {
    UUID id = UUID.randomUUID();
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("status", 200);
    detail.put("bytes", 5L);
    log.record(ann, AuditLog.Action.UPLOAD_DOWNLOADED, id, "10.0.0.1", detail);
    assertThat(store.appends).containsExactly(List.of(new AuditStore.NewEntry(
        "ann", "upload.downloaded", id, "10.0.0.1", "{\"status\":200,\"bytes\":5}")));
  }

  @Test
  void no_principal_and_no_detail_are_nulls() {
    log.record(null, AuditLog.Action.UPLOAD_DELETED, null, null, null);
    log.record(ann, AuditLog.Action.UPLOAD_RETRIED, null, null, Map.of());
    assertThat(store.appends).containsExactly(
        List.of(new AuditStore.NewEntry(null, "upload.deleted", null, null, null)),
        List.of(new AuditStore.NewEntry("ann", "upload.retried", null, null, null)));
  }

  @Test
  void several_actions_are_one_append() {
    UUID id = UUID.randomUUID();
    java.util.List<Map<String, ?>> details = new ArrayList<>();
    details.add(Map.of("length", 3));
    details.add(null);
    log.record(ann, List.of(AuditLog.Action.UPLOAD_CREATED, AuditLog.Action.UPLOAD_FINISHED), id,
        "::1", details);
    assertThat(store.appends).hasSize(1);
    assertThat(store.appends.get(0)).containsExactly(
        new AuditStore.NewEntry("ann", "upload.created", id, "::1", "{\"length\":3}"),
        new AuditStore.NewEntry("ann", "upload.finished", id, "::1", null));
  }

  @Test
  void a_failing_store_fails_no_request() {
    store.fail = true;
    log.record(ann, AuditLog.Action.API_KEY_CREATED, null, null, Map.of("id", "x"));
    assertThat(store.appends).isEmpty();
  }

  @Test
  void listing_passes_the_filters_on() {
    UUID id = UUID.randomUUID();
    assertThat(log.list("ann", id, "upload.created", 7L, 20)).hasSize(1);
    assertThat(store.lists.get(0)).containsExactly("ann", id, "upload.created", 7L, 20);
  }

  @Test
  void actions_have_their_column_names() {
    assertThat(AuditLog.Action.API_KEY_REVOKED.dbName).isEqualTo("api_key.revoked");
    assertThat(AuditLog.Action.UPLOAD_FINISHED.dbName).isEqualTo("upload.finished");
  }
}
