package dev.forgeupload.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.testing.Props;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GlobTest {

  @Test
  void double_star_slash_matches_zero_or_more_folders() {
    Glob g = Glob.compile("**/*.csv");
    assertThat(g.matches("a.csv")).isTrue();
    assertThat(g.matches("x/a.csv")).isTrue();
    assertThat(g.matches("x/y/z/a.csv")).isTrue();
    assertThat(g.matches("a.csv.gz")).isFalse();
    assertThat(g.matches("x/a.tsv")).isFalse();
  }

  @Test
  void double_star_in_the_middle_and_at_the_end() {
    Glob mid = Glob.compile("data/**/out/*.bin");
    assertThat(mid.matches("data/out/a.bin")).isTrue();
    assertThat(mid.matches("data/1/2/out/a.bin")).isTrue();
    assertThat(mid.matches("data/1/2/a.bin")).isFalse();
    Glob end = Glob.compile("logs/**");
    assertThat(end.matches("logs/a")).isTrue();
    assertThat(end.matches("logs/a/b/c")).isTrue();
    assertThat(end.matches("other/a")).isFalse();
    assertThat(Glob.compile("**").matches("any/thing/at.all")).isTrue();
  }

  @Test
  void a_single_star_stays_within_one_folder_name() {
    Glob g = Glob.compile("*.txt");
    assertThat(g.matches("a.txt")).isTrue();
    assertThat(g.matches(".hidden.txt")).isTrue();
    assertThat(g.matches("sub/a.txt")).isFalse();
    assertThat(Glob.compile("a*b*c").matches("aXXbYYc")).isTrue();
    assertThat(Glob.compile("a*b*c").matches("aXXbYY")).isFalse();
  }

  @Test
  void sets_alternatives_question_marks_and_escapes() {
    assertThat(Glob.compile("file?.{csv,tsv}").matches("file1.tsv")).isTrue();
    assertThat(Glob.compile("file?.{csv,tsv}").matches("file12.tsv")).isFalse();
    assertThat(Glob.compile("[a-c]x").matches("bx")).isTrue();
    assertThat(Glob.compile("[a-c]x").matches("dx")).isFalse();
    assertThat(Glob.compile("[!a-c]x").matches("dx")).isTrue();
    assertThat(Glob.compile("[-a]").matches("-")).isTrue();
    assertThat(Glob.compile("\\*.txt").matches("*.txt")).isTrue();
    assertThat(Glob.compile("\\*.txt").matches("a.txt")).isFalse();
    assertThat(Glob.compile("{a,b/{c,d}}.md").matches("b/d.md")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "..", "../x", "a/../../etc/passwd", "**/../*", "/etc/*", "/", "C:/x", "C:\\x",
      "{a,..}/x", "{a,/etc}"})
  void patterns_that_could_climb_out_of_the_folder_are_refused(String p) {
    assertThatThrownBy(() -> Glob.compile(p))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageMatching(".*(\\.\\.|absolute).*");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a//b", "a/", "[abc", "{a,b", "a}", "x\\", "a\u0000b", "[z-a]"})
  void malformed_patterns_are_refused_with_a_reason(String p) {
    assertThatThrownBy(() -> Glob.compile(p))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pattern");
  }

  @Test
  void many_double_stars_do_not_backtrack_exponentially() {
    Glob g = Glob.compile("**/a/**/a/**/a/**/a/**/a/**/a/**/b");
    String path = String.join("/", java.util.Collections.nCopies(400, "a"));
    long t = System.nanoTime();
    assertThat(g.matches(path)).isFalse();
    assertThat((System.nanoTime() - t) / 1e9).isLessThan(1.0);
  }

  /**
   * Against a reference: the same patterns (without sets and braces) translated to a regular
   * expression the textbook way, on random paths over a tiny alphabet (so that they match often).
   */
  @TestFactory
  Stream<DynamicTest> agrees_with_a_regular_expression_translation() {
    record Case(String pattern, List<String> paths) {}
    return Props.forAll(
        "glob vs regex", 300,
        g -> new Case(pattern(g), g.list(1, 20, () -> path(g))),
        c -> {
          Glob glob = Glob.compile(c.pattern());
          Pattern regex = reference(c.pattern());
          for (String p : c.paths()) {
            assertThat(glob.matches(p))
                .as("%s against %s", c.pattern(), p)
                .isEqualTo(regex.matcher(p).matches());
          }
        });
  }

  private static String pattern(Props.Gen g) {
    return String.join("/", g.list(1, 4, () -> g.frequency(
        Props.just(2, "**"),
        Props.w(8, () -> g.string("ab*?", 1, 4)))));
  }

  private static String path(Props.Gen g) {
    return String.join("/", g.list(1, 5, () -> g.string("ab", 1, 3)));
  }

  private static Pattern reference(String glob) {
    String[] segs = glob.split("/");
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < segs.length; i++) {
      boolean last = i == segs.length - 1;
      if (segs[i].equals("**")) {
        re.append(last ? ".*" : "(?:[^/]+/)*");
        continue;
      }
      for (char c : segs[i].toCharArray()) {
        re.append(switch (c) {
          case '*' -> "[^/]*";
          case '?' -> "[^/]";
          default -> Pattern.quote(String.valueOf(c));
        });
      }
      if (!last) {
        re.append('/');
      }
    }
    return Pattern.compile(re.toString());
  }
}
