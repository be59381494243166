package dev.forgeupload.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The command-line client's patterns ({@code upload --pattern}) and sync jobs' patterns are two
 * implementations (the client may not use server code): on the syntax both document they must
 * pick the same files, so a folder uploaded by hand and one mirrored by a job agree.
 */
class GlobAgreementTest {
  private static final List<String> PATTERNS =
      List.of("**", "*", "*.csv", "**/*.csv", "a/**", "a/**/b.txt", "**/b/*.txt", "?.txt",
          "[ab].txt", "[a-c]*.txt", "[!a]*", "*.{csv,tsv}", "{a,b}/**/*.txt", "a/*/c.txt",
          "**/*", "a/b/c.txt", "**/c.txt", "*/*", "x*y.bin", "**/.hidden");
  private static final List<String> PATHS =
      List.of("a.csv", "b.tsv", "a.txt", "b.txt", "c.txt", "x.txt", "ab.txt", "a/b.txt",
          "a/b/c.txt", "a/x/c.txt", "a/b/d/c.txt", "b/b/x.txt", "b/q.csv", "deep/er/a.csv",
          "xy.bin", "x-y.bin", "x/y.bin", ".hidden", "d/.hidden", "a", "a/b", "caf\u00e9.csv",
          "with space.csv", "z/a.csv/q");

  @Test
  void both_matchers_pick_the_same_paths() {
    List<String> disagreements = new ArrayList<>();
    for (String p : PATTERNS) {
      Glob client = Glob.compile(p);
      dev.forgeupload.sync.Glob sync = dev.forgeupload.sync.Glob.compile(p);
      for (String path : PATHS) {
        if (client.matches(path) != sync.matches(path)) {
          disagreements.add(p + " on " + path + ": client " + client.matches(path)
              + ", sync " + sync.matches(path));
        }
      }
    }
    assertThat(disagreements).isEmpty();
  }

  @Test
  void both_refuse_escaping_patterns() {
    for (String p : List.of("/etc/*", "../x", "a/../../b", "**/../*")) {
      assertThat(refuses(() -> Glob.compile(p))).as("client: %s", p).isTrue();
      assertThat(refuses(() -> dev.forgeupload.sync.Glob.compile(p))).as("sync: %s", p).isTrue();
    }
  }

  private static boolean refuses(Runnable compile) {
    try {
      compile.run();
      return false;
    } catch (IllegalArgumentException e) {
      return true;
    }
  }
}
