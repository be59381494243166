package dev.forgeupload.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;

/**
 * Property tests as plain JUnit Jupiter dynamic tests, driven by seeded generators (no property
 * library: jqwik's maintainers ask not to be used by AI coding agents, and this project is written
 * with them). Use from a {@code @TestFactory}:
 *
 * <pre>
 * return Props.forAll("name", 200, edgeCases, g -&gt; input(g), input -&gt; check(input));
 * </pre>
 *
 * <p>The explicit edge cases run first (a plain {@link Random} hardly ever hits an empty string,
 * zero or a maximum), then {@code tries} generated inputs. Each try has its own generator, seeded
 * from the run's seed, the property's name and the try's number, so {@code -Dforge.seed=S}
 * replays a run's inputs and {@code -Dforge.seed=S -Dforge.try=K} only its try K (a property
 * whose tries share state, such as what earlier tries created, may need the whole run to fail
 * the same way). A failure names
 * the property, the try, the seed and the input (printed, not shrunk); the property's later tries
 * are then skipped, as a property stops at its first counterexample.
 */
public final class Props {
  /** This run's seed: {@code -Dforge.seed=N}, or a new one. */
  public static final long SEED = Long.getLong("forge.seed", System.nanoTime());
  /** Only this try of each property ({@code -Dforge.try=K}), or -1 for all. */
  private static final int ONLY_TRY = Integer.getInteger("forge.try", -1);
  private static final AtomicBoolean ANNOUNCED = new AtomicBoolean();

  private Props() {}

  /** The check of one input; may throw anything (an AssertionError, an exception). */
  @FunctionalInterface
  public interface Check<T> {
    void accept(T input) throws Throwable;
  }

  /** {@link #forAll(String, int, List, Function, Check)} without edge cases. */
  public static <T> Stream<DynamicTest> forAll(
      String name, int tries, Function<Gen, T> generator, Check<T> check) {
    return forAll(name, tries, List.of(), generator, check);
  }

  /**
   * The edge cases, then {@code tries} inputs from {@code generator}, each checked by {@code
   * check} as a dynamic test of its own ({@code name #k}).
   */
  public static <T> Stream<DynamicTest> forAll(
      String name, int tries, List<T> edgeCases, Function<Gen, T> generator, Check<T> check) {
    announce();
    int total = edgeCases.size() + tries;
    AtomicInteger failedAt = new AtomicInteger(-1);
    return IntStream.range(0, total)
        .filter(k -> ONLY_TRY < 0 || k == ONLY_TRY)
        .mapToObj(
            k -> {
              boolean edge = k < edgeCases.size();
              String label = name + " #" + k + (edge ? " (edge case)" : "");
              return DynamicTest.dynamicTest(label, () -> {
                int first = failedAt.get();
                Assumptions.assumeTrue(first < 0,
                    () -> "skipped: " + name + " already failed on try #" + first);
                T input = null;
                try {
                  input = edge ? edgeCases.get(k) : generator.apply(gen(name, k));
                  check.accept(input);
                } catch (Throwable t) {
                  failedAt.compareAndSet(-1, k);
                  AssertionError e =
                      new AssertionError(
                          "property '" + name + "' failed on try #" + k + " of " + total
                              + (edge ? " (an edge case)" : "") + ", seed " + SEED
                              + " (replay: -Dforge.seed=" + SEED + " -Dforge.try=" + k + ")\n"
                              + "input: " + describe(input) + "\n" + t,
                          t);
                  System.out.println(e.getMessage());
                  throw e;
                }
              });
            });
  }

  /** The generator of try {@code k} of property {@code name} (also for a property's setup). */
  public static Gen gen(String name, int k) {
    long s = new SplittableRandom(SEED ^ ((long) name.hashCode() << 32)).split().nextLong();
    return new Gen(new SplittableRandom(s + k * 0x9E3779B97F4A7C15L).nextLong());
  }

  private static void announce() {
    if (ANNOUNCED.compareAndSet(false, true)) {
      System.out.println("Props: seed " + SEED + " (replay: -Dforge.seed=" + SEED + ")");
    }
  }

  /** An input for a failure message: strings and bytes with unprintable characters escaped. */
  public static String describe(Object input) {
    if (input instanceof byte[] b) {
      return RawHttp.printable(b) + " (" + b.length + " bytes)";
    }
    if (input instanceof String s) {
      return "\"" + escape(s) + "\" (" + s.length() + " chars)";
    }
    return escape(String.valueOf(input));
  }

  /** Control characters and non-ASCII as escapes; long text cut (its length said). */
  public static String escape(String s) {
    StringBuilder b = new StringBuilder();
    int n = Math.min(s.length(), 2000);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        b.append(c);
      } else if (c == '\r') {
        b.append("\\r");
      } else if (c == '\n') {
        b.append("\\n");
      } else {
        b.append(String.format("\\u%04x", (int) c));
      }
    }
    if (s.length() > n) {
      b.append("...(").append(s.length()).append(" chars)");
    }
    return b.toString();
  }

  /** A weighted choice for {@link Gen#frequency}. */
  public record Choice<T>(int weight, Supplier<? extends T> value) {}

  /** {@code value} with {@code weight}, generated when chosen. */
  public static <T> Choice<T> w(int weight, Supplier<? extends T> value) {
    return new Choice<>(weight, value);
  }

  /** A constant {@code value} with {@code weight}. */
  public static <T> Choice<T> just(int weight, T value) {
    return new Choice<>(weight, () -> value);
  }

  /** Strings a header, a parameter or a name should survive: the edge cases and the nasty ones. */
  public static final List<String> HOSTILE_STRINGS =
      List.of(
          "", " ", "\t", "\r\n", "\n", "\r", "\u0000", "a\u0000b", "x\r\nSet-Cookie: x=y",
          "\r\nX-Injected: 1\r\n\r\n", "%", "%0", "%00", "%0d%0a", "%zz", "%ff", "%C0%AE",
          "\u00e9", "\u4e2d\u6587", "\u202e", "\ufeff", "\ud83d\ude00", "\ud800", "\uffff",
          "../../etc/passwd", "..\\..\\x", "'; DROP TABLE uploads; --", "${jndi:ldap://x}",
          "\"", "\\", ",", ";", "=", "x".repeat(5000));

  /**
   * One try's generator: a {@link Random} with the generators the properties need. Ranges are
   * inclusive; numbers hit their bounds (and 0 when in range) now and then, as a property
   * library's would.
   */
  public static final class Gen {
    private final Random random;

    Gen(long seed) {
      this.random = new Random(seed);
    }

    public Random random() {
      return random;
    }

    public boolean bool() {
      return random.nextBoolean();
    }

    /** True with probability {@code p}. */
    public boolean chance(double p) {
      return random.nextDouble() < p;
    }

    /** An int in {@code [min, max]}; one in twenty is min, max or 0. */
    public int ints(int min, int max) {
      return (int) longs(min, max);
    }

    /** A long in {@code [min, max]}; one in twenty is min, max or 0. */
    public long longs(long min, long max) {
      if (min > max) {
        throw new IllegalArgumentException(min + " > " + max);
      }
      if (random.nextInt(20) == 0) {
        int which = random.nextInt(3);
        return which == 0 ? min : which == 1 ? max : (min <= 0 && 0 <= max ? 0 : min);
      }
      long span = max - min + 1;
      if (span <= 0) { // the whole long range, or more than half of it
        long v;
        do {
          v = random.nextLong();
        } while (v < min || v > max);
        return v;
      }
      return min + Math.floorMod(random.nextLong(), span);
    }

    /** A uniform int in {@code [0, bound)}, no bias. */
    public int below(int bound) {
      return random.nextInt(bound);
    }

    @SafeVarargs
    public final <T> T pick(T... values) {
      return values[random.nextInt(values.length)];
    }

    public <T> T pick(List<T> values) {
      return values.get(random.nextInt(values.size()));
    }

    /** One of the generators, uniformly, then its value. */
    @SafeVarargs
    public final <T> T oneOf(Supplier<? extends T>... generators) {
      return generators[random.nextInt(generators.length)].get();
    }

    /** One of the choices by weight, then its value. */
    @SafeVarargs
    public final <T> T frequency(Choice<? extends T>... choices) {
      int total = 0;
      for (Choice<? extends T> c : choices) {
        total += c.weight();
      }
      int r = random.nextInt(total);
      for (Choice<? extends T> c : choices) {
        r -= c.weight();
        if (r < 0) {
          return c.value().get();
        }
      }
      throw new IllegalStateException("unreachable");
    }

    /** Present with probability {@code p}. */
    public <T> Optional<T> optional(double p, Supplier<T> value) {
      return chance(p) ? Optional.of(value.get()) : Optional.empty();
    }

    /** Between {@code min} and {@code max} elements. */
    public <T> List<T> list(int min, int max, Supplier<T> element) {
      int n = size(min, max);
      List<T> l = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        l.add(element.get());
      }
      return l;
    }

    /** A length in {@code [min, max]}: often the shortest or longest, else uniform. */
    public int size(int min, int max) {
      int r = random.nextInt(10);
      return r == 0 ? min : r == 1 ? max : min + random.nextInt(max - min + 1);
    }

    /** A string of {@code min} to {@code max} characters drawn from {@code alphabet}. */
    public String string(String alphabet, int min, int max) {
      int n = size(min, max);
      StringBuilder b = new StringBuilder(n);
      for (int i = 0; i < n; i++) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      return b.toString();
    }

    /** Characters in {@code [from, to]}. */
    public String chars(char from, char to, int min, int max) {
      int n = size(min, max);
      StringBuilder b = new StringBuilder(n);
      for (int i = 0; i < n; i++) {
        b.append((char) (from + random.nextInt(to - from + 1)));
      }
      return b.toString();
    }

    /** ASCII, control characters (NUL, CR, LF, DEL) included. */
    public String ascii(int min, int max) {
      return chars('\u0000', '\u007f', min, max);
    }

    /** Letters only. */
    public String alpha(int min, int max) {
      return string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min, max);
    }

    /**
     * Any UTF-16 code units: controls, Latin-1, every plane-0 block, lone surrogates (which turn
     * into '?' in UTF-8) and now and then a whole supplementary character.
     */
    public String unicode(int min, int max) {
      int n = size(min, max);
      StringBuilder b = new StringBuilder(n);
      while (b.length() < n) {
        int kind = random.nextInt(10);
        if (kind == 0 && b.length() + 2 <= n) {
          b.appendCodePoint(0x10000 + random.nextInt(0x10FFFF - 0x10000 + 1));
        } else if (kind <= 2) {
          b.append((char) random.nextInt(0x100)); // controls and Latin-1 are the tricky ones
        } else {
          b.append((char) random.nextInt(0x10000));
        }
      }
      return b.toString();
    }

    /** Any bytes. */
    public byte[] bytes(int min, int max) {
      byte[] b = new byte[size(min, max)];
      random.nextBytes(b);
      return b;
    }

    /** Percent escapes of random bytes, with a broken one now and then. */
    public String percentEscapes(int min, int max) {
      byte[] raw = bytes(min, max);
      StringBuilder q = new StringBuilder();
      for (byte v : raw) {
        q.append('%').append(String.format("%02X", v & 0xff));
      }
      if (random.nextInt(8) == 0) {
        q.append(pick("%", "%g1", "%0", "%%"));
      }
      return q.toString();
    }

    /**
     * A hostile string: one of {@link #HOSTILE_STRINGS}, random unicode, random ASCII with
     * controls, percent-escapes, or a mix of these around a CRLF.
     */
    public String hostile(int max) {
      return switch (random.nextInt(6)) {
        case 0, 1 -> pick(HOSTILE_STRINGS);
        case 2 -> unicode(0, max);
        case 3 -> ascii(0, max);
        case 4 -> percentEscapes(0, Math.max(1, max / 3));
        default -> ascii(0, max / 2) + pick("\r\n", "\n", "\r", "\u0000") + unicode(0, max / 2);
      };
    }

    /** A hostile header value as bytes (UTF-8 of {@link #hostile}, or raw bytes). */
    public byte[] hostileBytes(int max) {
      return chance(0.3) ? bytes(0, max) : hostile(max).getBytes(StandardCharsets.UTF_8);
    }
  }
}
