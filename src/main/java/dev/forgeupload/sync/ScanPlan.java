package dev.forgeupload.sync;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a scan changes, from what it saw and what the database knew: new and changed files (size
 * or modification time), failed ones (another try) and ones whose stored version was deleted
 * become due; unchanged files that came back are present again; files no longer seen are gone,
 * except under a folder that could not be listed. A file being uploaded is left to its uploader,
 * which compares size and time itself. Nothing here reads a file.
 */
record ScanPlan(List<SyncJobStore.Due> due, List<String> back, List<String> gone) {

  static ScanPlan of(FolderScanner.Result seen, Map<String, SyncJobStore.Known> known) {
    List<SyncJobStore.Due> due = new ArrayList<>();
    List<String> back = new ArrayList<>();
    Set<String> present = new HashSet<>();
    for (FolderScanner.Seen s : seen.files()) {
      present.add(s.path());
      SyncJobStore.Known k = known.get(s.path());
      if (k == null) {
        due.add(new SyncJobStore.Due(s.path(), s.size(), s.mtime(), null));
        continue;
      }
      if (k.state() == SyncFile.State.IN_PROGRESS) {
        continue;
      }
      boolean same = k.size() == s.size() && k.mtime().equals(s.mtime());
      boolean settled =
          (k.state() == SyncFile.State.UPLOADED && !k.versionGone())
              || k.state() == SyncFile.State.PENDING;
      if (same && settled) {
        if (k.deleted()) {
          back.add(s.path());
        }
        continue;
      }
      due.add(new SyncJobStore.Due(s.path(), s.size(), s.mtime(), k));
    }
    List<String> gone = new ArrayList<>();
    for (SyncJobStore.Known k : known.values()) {
      if (!k.deleted() && !present.contains(k.path())
          && k.state() != SyncFile.State.IN_PROGRESS && !under(k.path(), seen.unreadable())) {
        gone.add(k.path());
      }
    }
    return new ScanPlan(due, back, gone);
  }

  private static boolean under(String path, List<String> folders) {
    for (String f : folders) {
      if (path.startsWith(f + "/")) {
        return true;
      }
    }
    return false;
  }
}
