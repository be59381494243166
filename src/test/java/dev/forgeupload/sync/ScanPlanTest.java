package dev.forgeupload.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScanPlanTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  private static SyncJobStore.Known known(String path, long size, SyncFile.State state,
      boolean deleted, boolean versionGone) {
    return new SyncJobStore.Known(path, size, T, state, deleted, versionGone);
  }

  private static FolderScanner.Seen seen(String path, long size, Instant mtime) {
    return new FolderScanner.Seen(path, size, mtime);
  }

  @Test
  void only_new_changed_failed_and_lost_files_become_due() {
    Map<String, SyncJobStore.Known> k = new HashMap<>();
    for (String p : List.of("same", "bigger", "touched", "failed", "lost", "busy", "waiting")) {
      SyncFile.State s = switch (p) {
        case "failed" -> SyncFile.State.FAILED;
        case "busy" -> SyncFile.State.IN_PROGRESS;
        case "waiting" -> SyncFile.State.PENDING;
        default -> SyncFile.State.UPLOADED;
      };
      k.put(p, known(p, 10, s, false, p.equals("lost")));
    }
    ScanPlan plan = ScanPlan.of(new FolderScanner.Result(List.of(
        seen("same", 10, T), seen("bigger", 11, T), seen("touched", 10, T.plusSeconds(1)),
        seen("failed", 10, T), seen("lost", 10, T), seen("busy", 99, T),
        seen("waiting", 10, T), seen("new", 5, T)), List.of()), k);
    assertThat(plan.due()).extracting(SyncJobStore.Due::path)
        .containsExactlyInAnyOrder("bigger", "touched", "failed", "lost", "new");
    assertThat(plan.back()).isEmpty();
    assertThat(plan.gone()).isEmpty();
  }

  @Test
  void missing_files_are_gone_unless_in_flight_or_under_an_unreadable_folder_and_return_unchanged() {
    Map<String, SyncJobStore.Known> k = new HashMap<>();
    k.put("a/x", known("a/x", 1, SyncFile.State.UPLOADED, false, false));
    k.put("locked/y", known("locked/y", 1, SyncFile.State.UPLOADED, false, false));
    k.put("busy", known("busy", 1, SyncFile.State.IN_PROGRESS, false, false));
    k.put("old", known("old", 1, SyncFile.State.UPLOADED, true, false));
    k.put("again", known("again", 1, SyncFile.State.UPLOADED, true, false));
    ScanPlan plan = ScanPlan.of(
        new FolderScanner.Result(List.of(seen("again", 1, T)), List.of("locked")), k);
    assertThat(plan.gone()).containsExactly("a/x");
    assertThat(plan.back()).containsExactly("again");
    assertThat(plan.due()).isEmpty();
  }
}
