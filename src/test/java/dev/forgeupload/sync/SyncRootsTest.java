package dev.forgeupload.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.core.UploadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyncRootsTest {
  @TempDir Path tmp;
  private Path root;
  private Path outside;
  private SyncRoots roots;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(tmp.resolve("root")).toRealPath();
    outside = Files.createDirectories(tmp.resolve("outside")).toRealPath();
    Files.createDirectories(root.resolve("a/b"));
    roots = new SyncRoots(List.of(root));
  }

  private void refused(String folder, String reason) {
    assertThatThrownBy(() -> roots.confine(folder))
        .isInstanceOfSatisfying(UploadException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining(reason);
  }

  @Test
  void a_folder_inside_a_root_is_accepted_normalized() {
    assertThat(roots.confine(root + "/a/./b/")).isEqualTo(root.resolve("a/b"));
    assertThat(roots.confine(root.toString())).isEqualTo(root);
  }

  @Test
  void folders_outside_every_root_are_refused() {
    refused(outside.toString(), "outside FORGE_SYNC_ROOTS");
    refused(root + "/../outside", "outside FORGE_SYNC_ROOTS");
    refused(root + "/a/../../outside", "outside FORGE_SYNC_ROOTS");
    refused(root + "-sibling", "outside FORGE_SYNC_ROOTS");
    refused("/", "outside FORGE_SYNC_ROOTS");
  }

  @Test
  void a_symbolic_link_is_followed_only_while_it_stays_within_a_root() throws Exception {
    Files.createSymbolicLink(root.resolve("out"), outside);
    Files.createSymbolicLink(root.resolve("in"), root.resolve("a"));
    refused(root.resolve("out").toString(), "symbolic link");
    assertThat(roots.confine(root.resolve("in/b").toString())).isEqualTo(root.resolve("in/b"));
    // a link outside the roots into a root: the name is outside
    Path link = Files.createSymbolicLink(outside.resolve("into"), root.resolve("a"));
    refused(link.toString(), "outside FORGE_SYNC_ROOTS");
  }

  @Test
  void relative_missing_and_non_folder_paths_are_refused() throws Exception {
    Files.writeString(root.resolve("f.txt"), "x");
    refused("a/b", "absolute");
    refused(root.resolve("nope").toString(), "does not exist");
    refused(root.resolve("f.txt").toString(), "not a folder");
    refused("", "required");
    refused(root + "/a\nb", "control characters");
  }

  @Test
  void roots_must_be_absolute_existing_folders() {
    assertThatThrownBy(() -> new SyncRoots(List.of(Path.of("rel"))))
        .hasMessageContaining("absolute");
    assertThatThrownBy(() -> new SyncRoots(List.of(tmp.resolve("missing"))))
        .hasMessageContaining("does not exist");
  }
}
