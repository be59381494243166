package dev.forgeupload.client;

import java.util.regex.Pattern;

/**
 * A file pattern for {@code upload --pattern}, matched against a path relative to the folder
 * given on the command line, with {@code /} between its names. {@code *} is any run of characters
 * within one name, {@code ?} one character, {@code [abc]}, {@code [a-z]}, {@code [!a]} a class,
 * {@code {csv,tsv}} alternatives, {@code \} quotes the next character. {@code **} crosses folders,
 * and {@code **}{@code /} matches zero or more folders, so {@code **}{@code /*.csv} matches
 * {@code a.csv} as well as {@code x/y/a.csv}. Absolute patterns and {@code ..} are refused: they
 * could never match a path inside the folder.
 */
public final class Glob {
  private final String source;
  private final Pattern regex;

  private Glob(String source, Pattern regex) {
    this.source = source;
    this.regex = regex;
  }

  /** The pattern that matches every file. */
  public static Glob all() {
    return new Glob("**", Pattern.compile(".*", Pattern.DOTALL));
  }

  /** Compiles a pattern; {@link IllegalArgumentException} with the reason when it is malformed. */
  public static Glob compile(String pattern) {
    if (pattern == null || pattern.isEmpty()) {
      throw new IllegalArgumentException("pattern is empty");
    }
    if (pattern.startsWith("/") || pattern.matches("^[A-Za-z]:.*")) {
      throw new IllegalArgumentException(
          "pattern must be relative to the folder (no leading / or drive): " + pattern);
    }
    for (String segment : pattern.split("/", -1)) {
      if (segment.equals("..")) {
        throw new IllegalArgumentException("pattern must not contain '..': " + pattern);
      }
    }
    Translator t = new Translator(pattern);
    String regex = t.translate(false);
    return new Glob(pattern, Pattern.compile(regex, Pattern.DOTALL));
  }

  /** True when the relative path ({@code /}-separated, no leading {@code /}) matches. */
  public boolean matches(String relativePath) {
    return regex.matcher(relativePath).matches();
  }

  @Override
  public String toString() {
    return source;
  }

  /** Glob to regular expression, one character at a time; braces recurse. */
  private static final class Translator {
    private final String p;
    private int i;

    Translator(String pattern) {
      this.p = pattern;
    }

    /** Translates up to the end, or (inside braces) up to the closing brace or a comma. */
    String translate(boolean inBraces) {
      StringBuilder out = new StringBuilder();
      while (i < p.length()) {
        char c = p.charAt(i);
        if (inBraces && (c == ',' || c == '}')) {
          return out.toString();
        }
        i++;
        switch (c) {
          case '\\' -> {
            if (i >= p.length()) {
              throw new IllegalArgumentException("pattern ends with a lone '\\': " + p);
            }
            out.append(Pattern.quote(String.valueOf(p.charAt(i++))));
          }
          case '*' -> star(out);
          case '?' -> out.append("[^/]");
          case '[' -> characterClass(out);
          case '{' -> alternatives(out);
          case '}' -> throw new IllegalArgumentException("unmatched '}' in pattern: " + p);
          default -> out.append(Pattern.quote(String.valueOf(c)));
        }
      }
      if (inBraces) {
        throw new IllegalArgumentException("unclosed '{' in pattern: " + p);
      }
      return out.toString();
    }

    private void star(StringBuilder out) {
      if (i < p.length() && p.charAt(i) == '*') {
        i++;
        boolean atSegmentStart = i == 2 || p.charAt(i - 3) == '/';
        if (atSegmentStart && i < p.length() && p.charAt(i) == '/') {
          i++; // "**/": zero or more whole folders
          out.append("(?:.*/)?");
        } else {
          out.append(".*");
        }
      } else {
        out.append("[^/]*");
      }
    }

    private void characterClass(StringBuilder out) {
      StringBuilder cls = new StringBuilder("[");
      if (i < p.length() && (p.charAt(i) == '!' || p.charAt(i) == '^')) {
        cls.append('^');
        i++;
      }
      boolean first = true;
      boolean hasMember = false;
      while (true) {
        if (i >= p.length()) {
          throw new IllegalArgumentException("unclosed '[' in pattern: " + p);
        }
        char c = p.charAt(i++);
        if (c == ']' && !first) {
          break;
        }
        first = false;
        if (c == '/') {
          throw new IllegalArgumentException("'/' inside [...] in pattern: " + p);
        }
        if (c == '-' && hasMember && i < p.length() && p.charAt(i) != ']') {
          cls.append('-'); // a range: a-z
        } else if (Character.isLetterOrDigit(c)) {
          cls.append(c);
        } else {
          cls.append('\\').append(c);
        }
        hasMember = true;
      }
      // a class never matches the folder separator
      out.append("(?:(?!/)").append(cls).append("])");
    }

    private void alternatives(StringBuilder out) {
      out.append("(?:");
      while (true) {
        out.append(translate(true));
        char c = p.charAt(i++);
        if (c == '}') {
          break;
        }
        out.append('|');
      }
      out.append(')');
    }
  }
}
