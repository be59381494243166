package dev.forgeupload.sync;

import java.util.ArrayList;
import java.util.List;

/**
 * A sync job's file pattern, matched against the path relative to the job's folder ({@code /}
 * between folders). {@code *} is any run of characters within one folder name, {@code ?} one
 * character, {@code [abc]} / {@code [a-z]} / {@code [!x]} one of a set, {@code {csv,tsv}} one of
 * several alternatives, {@code \} escapes; {@code **} as a whole segment is any number of folders,
 * zero included, so {@code **}{@code /*.csv} matches {@code a.csv} as well as {@code x/y/a.csv};
 * at the end it is everything below ({@code logs/**} does not match a file named {@code logs}).
 * Names starting with a dot are matched like any other.
 *
 * <p>Matching runs over segments with a dynamic program (no regular expression), so no pattern
 * can make it backtrack exponentially. A pattern that could climb out of the folder ({@code ..}
 * segments, absolute) is refused with {@link IllegalArgumentException}, as is a malformed one.
 */
public final class Glob {
  static final int MAX_LENGTH = 1024;
  private static final int MAX_ALTERNATIVES = 64;

  private final String source;
  /** Alternatives (after brace expansion), each a list of segments; null is {@code **}. */
  private final List<List<Segment>> alternatives;

  private Glob(String source, List<List<Segment>> alternatives) {
    this.source = source;
    this.alternatives = alternatives;
  }

  public static Glob compile(String pattern) {
    if (pattern == null || pattern.isEmpty()) {
      throw new IllegalArgumentException("pattern must not be empty");
    }
    if (pattern.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("pattern is longer than " + MAX_LENGTH + " characters");
    }
    for (int i = 0; i < pattern.length(); i++) {
      if (pattern.charAt(i) < 0x20 || pattern.charAt(i) == 0x7f) {
        throw new IllegalArgumentException("pattern must not contain control characters");
      }
    }
    checkRelative(pattern);
    List<List<Segment>> alts = new ArrayList<>();
    for (String alt : expandBraces(pattern)) {
      checkRelative(alt);
      List<Segment> segments = new ArrayList<>();
      for (String s : splitSegments(alt)) {
        if (s.equals("**")) {
          if (segments.isEmpty() || segments.get(segments.size() - 1) != null) {
            segments.add(null); // "**/**" is the same as "**"
          }
        } else {
          segments.add(Segment.parse(s));
        }
      }
      alts.add(segments);
    }
    return new Glob(pattern, List.copyOf(alts));
  }

  public String source() {
    return source;
  }

  /** Does {@code relativePath} ({@code a/b/c.txt}, no leading slash) match? */
  public boolean matches(String relativePath) {
    String[] names = relativePath.split("/", -1);
    for (List<Segment> alt : alternatives) {
      if (matches(alt, names)) {
        return true;
      }
    }
    return false;
  }

  /** ok[i][j]: the first i pattern segments match the first j names. */
  private static boolean matches(List<Segment> pattern, String[] names) {
    int p = pattern.size();
    int n = names.length;
    boolean[] prev = new boolean[n + 1];
    prev[0] = true;
    for (int i = 1; i <= p; i++) {
      Segment seg = pattern.get(i - 1);
      boolean[] cur = new boolean[n + 1];
      for (int j = 0; j <= n; j++) {
        if (seg == null && i == p) {
          cur[j] = j > 0 && (prev[j - 1] || cur[j - 1]); // at the end: one name or more
        } else if (seg == null) {
          cur[j] = prev[j] || (j > 0 && cur[j - 1]); // zero folders or more
        } else {
          cur[j] = j > 0 && prev[j - 1] && seg.matches(names[j - 1]);
        }
      }
      prev = cur;
    }
    return prev[n];
  }

  private static void checkRelative(String pattern) {
    if (pattern.startsWith("/")
        || (pattern.length() >= 3 && Character.isLetter(pattern.charAt(0))
            && pattern.charAt(1) == ':' && (pattern.charAt(2) == '/' || pattern.charAt(2) == '\\'))) {
      throw new IllegalArgumentException(
          "pattern must be relative to the folder, not an absolute path");
    }
    for (String s : pattern.split("/", -1)) {
      if (s.equals("..")) {
        throw new IllegalArgumentException("pattern must not contain '..'");
      }
    }
  }

  private static List<String> splitSegments(String alt) {
    List<String> out = new ArrayList<>();
    for (String s : alt.split("/", -1)) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("pattern has an empty folder name ('//' or a '/' at an end)");
      }
      if (s.equals(".")) {
        throw new IllegalArgumentException("pattern must not contain '.' as a folder name");
      }
      out.add(s);
    }
    return out;
  }

  /** {@code a{b,c}d} is {@code abd} and {@code acd}; braces nest; an escaped brace is literal. */
  static List<String> expandBraces(String p) {
    int open = -1;
    int depth = 0;
    List<Integer> commas = new ArrayList<>();
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[') {
        i = Segment.classEnd(p, i);
      } else if (c == '{') {
        if (depth++ == 0) {
          open = i;
          commas.clear();
        }
      } else if (c == ',' && depth == 1) {
        commas.add(i);
      } else if (c == '}') {
        if (depth == 0) {
          throw new IllegalArgumentException("pattern has a '}' without its '{'");
        }
        if (--depth == 0) {
          List<String> out = new ArrayList<>();
          String head = p.substring(0, open);
          String tail = p.substring(i + 1);
          int from = open + 1;
          commas.add(i);
          for (int comma : commas) {
            for (String rest : expandBraces(head + p.substring(from, comma) + tail)) {
              out.add(rest);
              if (out.size() > MAX_ALTERNATIVES) {
                throw new IllegalArgumentException(
                    "pattern has more than " + MAX_ALTERNATIVES + " alternatives");
              }
            }
            from = comma + 1;
          }
          return out;
        }
      }
    }
    if (depth > 0) {
      throw new IllegalArgumentException("pattern has a '{' without its '}'");
    }
    return List.of(p);
  }

  @Override
  public String toString() {
    return source;
  }

  /** One folder name's pattern: literal characters, {@code ?}, {@code *} and sets. */
  private record Segment(List<Token> tokens) {
    static Segment parse(String s) {
      List<Token> tokens = new ArrayList<>();
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '\\' -> {
            if (i + 1 >= s.length()) {
              throw new IllegalArgumentException("pattern ends with a lone '\\'");
            }
            tokens.add(Token.literal(s.charAt(++i)));
          }
          case '*' -> {
            if (tokens.isEmpty() || tokens.get(tokens.size() - 1).kind != Kind.STAR) {
              tokens.add(new Token(Kind.STAR, '\0', null, false));
            }
          }
          case '?' -> tokens.add(new Token(Kind.ONE, '\0', null, false));
          case '[' -> {
            int end = classEnd(s, i);
            tokens.add(Token.set(s.substring(i + 1, end)));
            i = end;
          }
          default -> tokens.add(Token.literal(c));
        }
      }
      return new Segment(List.copyOf(tokens));
    }

    /** The index of the ']' closing the set that opens at {@code open}. */
    static int classEnd(String s, int open) {
      int i = open + 1;
      if (i < s.length() && (s.charAt(i) == '!' || s.charAt(i) == '^')) {
        i++;
      }
      if (i < s.length() && s.charAt(i) == ']') {
        i++; // a leading ']' is a member
      }
      for (; i < s.length(); i++) {
        if (s.charAt(i) == '\\') {
          i++;
        } else if (s.charAt(i) == ']') {
          return i;
        } else if (s.charAt(i) == '/') {
          break;
        }
      }
      throw new IllegalArgumentException("pattern has a '[' without its ']'");
    }

    /** Wildcard matching with one backtrack point per star: O(name * tokens). */
    boolean matches(String name) {
      int t = 0;
      int n = 0;
      int starT = -1;
      int starN = 0;
      while (n < name.length()) {
        if (t < tokens.size() && tokens.get(t).kind == Kind.STAR) {
          starT = t++;
          starN = n;
        } else if (t < tokens.size() && tokens.get(t).accepts(name.charAt(n))) {
          t++;
          n++;
        } else if (starT >= 0) {
          t = starT + 1;
          n = ++starN;
        } else {
          return false;
        }
      }
      while (t < tokens.size() && tokens.get(t).kind == Kind.STAR) {
        t++;
      }
      return t == tokens.size();
    }
  }

  private enum Kind {
    LITERAL,
    ONE,
    STAR,
    SET
  }

  private record Token(Kind kind, char c, String ranges, boolean negated) {
    static Token literal(char c) {
      return new Token(Kind.LITERAL, c, null, false);
    }

    /**
     * A set body (between the brackets): members, ranges {@code a-z}, escapes; a leading
     * {@code !} or {@code ^} negates. Kept as pairs of (first, last) characters.
     */
    static Token set(String body) {
      boolean negated = !body.isEmpty() && (body.charAt(0) == '!' || body.charAt(0) == '^');
      String b = negated ? body.substring(1) : body;
      StringBuilder ranges = new StringBuilder();
      int i = 0;
      while (i < b.length()) {
        char from = b.charAt(i);
        if (from == '\\' && i + 1 < b.length()) {
          from = b.charAt(++i);
        }
        i++;
        char to = from;
        if (i + 1 < b.length() && b.charAt(i) == '-') {
          to = b.charAt(i + 1);
          i += 2;
          if (to == '\\' && i < b.length()) {
            to = b.charAt(i++);
          }
          if (to < from) {
            throw new IllegalArgumentException(
                "pattern has a backwards range " + from + "-" + to);
          }
        }
        ranges.append(from).append(to);
      }
      if (ranges.length() == 0) {
        throw new IllegalArgumentException("pattern has an empty set []");
      }
      return new Token(Kind.SET, '\0', ranges.toString(), negated);
    }

    boolean accepts(char x) {
      return switch (kind) {
        case LITERAL -> x == c;
        case ONE -> true;
        case STAR -> false;
        case SET -> inSet(x) != negated;
      };
    }

    private boolean inSet(char x) {
      for (int i = 0; i + 1 < ranges.length(); i += 2) {
        if (x >= ranges.charAt(i) && x <= ranges.charAt(i + 1)) {
          return true;
        }
      }
      return false;
    }
  }
}
