package dev.forgeupload.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GlobTest {

  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource(delimiter = '|', textBlock = """
      **/*.csv      | a.csv               | true
      **/*.csv      | x/a.csv             | true
      **/*.csv      | x/y/z/a.csv         | true
      **/*.csv      | a.tsv               | false
      **/*.csv      | x/a.csv.bak         | false
      **/*.csv      | x.csv/a.txt         | false
      *.csv         | a.csv               | true
      *.csv         | x/a.csv             | false
      *             | a                   | true
      *             | a/b                 | false
      **            | a/b/c               | true
      data/**       | data/a              | true
      data/**       | data/x/y.bin        | true
      data/**       | other/a             | false
      a/**/b.txt    | a/b.txt             | true
      a/**/b.txt    | a/x/b.txt           | true
      a/**/b.txt    | a/x/y/b.txt         | true
      a/**/b.txt    | ab.txt              | false
      a/**/b.txt    | a/xb.txt            | false
      x**.log       | x/y/z.log           | true
      ?.txt         | a.txt               | true
      ?.txt         | ab.txt              | false
      ?.txt         | /.txt               | false
      [abc].txt     | b.txt               | true
      [abc].txt     | d.txt               | false
      [!abc].txt    | d.txt               | true
      [!abc].txt    | a.txt               | false
      [!a]          | /                   | false
      [a-c]x        | bx                  | true
      [a-c]x        | dx                  | false
      [-a]x         | -x                  | true
      *.{csv,tsv}   | t.tsv               | true
      *.{csv,tsv}   | t.txt               | false
      {a,b/**/c}.x  | b/q/c.x             | true
      {a,b/**/c}.x  | a.x                 | true
      \\*.txt       | *.txt               | true
      \\*.txt       | a.txt               | false
      a+b(1).txt    | a+b(1).txt          | true
      a+b(1).txt    | aab1.txt            | false
      .hidden       | .hidden             | true
      sub/*.bin     | sub/a.bin           | true
      sub/*.bin     | sub/deeper/a.bin    | false
      """)
  void matches(String pattern, String path, boolean expected) {
    assertThat(Glob.compile(pattern).matches(path)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/etc/*", "../x", "a/../b", "..", "C:/x", "[abc", "{a,b", "a}",
      "x\\", "[a/b]"})
  void malformed_or_escaping_patterns_are_refused_with_a_reason(String pattern) {
    assertThatThrownBy(() -> Glob.compile(pattern))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageMatching(".*(empty|relative|'\\.\\.'|unclosed|unmatched|lone|inside).*");
  }

  @Test
  void all_matches_every_relative_path() {
    assertThat(Glob.all().matches("a")).isTrue();
    assertThat(Glob.all().matches("a/b/c.d")).isTrue();
  }

  @Test
  void a_name_with_two_dots_inside_is_not_an_escape() {
    assertThat(Glob.compile("a..b/*").matches("a..b/x")).isTrue();
  }
}
