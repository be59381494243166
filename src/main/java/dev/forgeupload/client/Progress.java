package dev.forgeupload.client;

import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * What a run shows while it works, on stderr (stdout carries only the URLs or the JSON): bars
 * on a terminal ({@link TerminalProgress}), plain lines otherwise ({@link PlainProgress}),
 * nothing with {@code --quiet}.
 */
interface Progress extends AutoCloseable {

  /** One file's display; {@code done} is polled for its bytes so far. */
  interface Tracker {
    /** The upload resumes at {@code offset} (0 for a new upload). */
    void started(long offset);

    /** A retry or other passing remark. */
    void note(String message);

    void finished(String url);

    void failed(String reason);
  }

  Tracker file(String label, long size, LongSupplier done);

  /** Ends the display (the last totals); the run's summary follows it. */
  @Override
  void close();

  /** No display at all. */
  Progress QUIET =
      new Progress() {
        @Override
        public Tracker file(String label, long size, LongSupplier done) {
          return new Tracker() {
            @Override
            public void started(long offset) {}

            @Override
            public void note(String message) {}

            @Override
            public void finished(String url) {}

            @Override
            public void failed(String reason) {}
          };
        }

        @Override
        public void close() {}
      };

  /** {@code 1.5 MiB}, {@code 312 B}: binary units, one decimal. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static String percent(long done, long size) {
    return size == 0 ? "100%" : (done * 100 / size) + "%";
  }
}
