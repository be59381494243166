package dev.forgeupload.client;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Bars on a terminal: me.tongfei:progressbar renders each bar (percentage, bytes, elapsed, ETA,
 * speed); {@link Screen} lays them out: the bars of files in flight and the total bar at the
 * bottom, redrawn in place, and a finished file's last line printed above them for good. (The
 * library's own multi-bar mode garbles lines when bars of different lengths end out of order.)
 * Failures are listed again below the bars when the run ends.
 */
final class TerminalProgress implements Progress {
  private static final int REFRESH_MILLIS = 200;
  private static final int LABEL_CHARS = 32;
  /** More files in flight than this show as one "and N more" line. */
  private static final int MAX_BARS = 12;

  private final PrintStream err;
  private final Screen screen;
  private final ProgressBar total;
  private final Map<Bar, Boolean> active = new ConcurrentHashMap<>();
  private final AtomicLong finishedBytes = new AtomicLong();
  private final List<String> failures = new ArrayList<>();
  private final ScheduledExecutorService refresher;

  TerminalProgress(PrintStream err, int totalFiles, long totalBytes) {
    this.err = err;
    this.screen = new Screen(err);
    Line totalLine = new Line(err, screen);
    screen.total = totalLine;
    this.total = bar(shorten("total, " + totalFiles + (totalFiles == 1 ? " file" : " files")),
        totalBytes, 0, totalLine);
    this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "upload-bars");
      t.setDaemon(true);
      return t;
    });
    refresher.scheduleAtFixedRate(this::refresh, REFRESH_MILLIS, REFRESH_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  private static ProgressBar bar(String name, long max, long from, Line line) {
    String unit = max >= 10L << 20 ? "MiB" : max >= 10L << 10 ? "KiB" : "B";
    long unitSize = max >= 10L << 20 ? 1L << 20 : max >= 10L << 10 ? 1L << 10 : 1;
    return new ProgressBarBuilder()
        .setTaskName(name)
        .setInitialMax(Math.max(1, max))
        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
        .setUnit(" " + unit, unitSize)
        // redrawn by our refresher only: the library's own timer races with close()
        .setUpdateIntervalMillis(Integer.MAX_VALUE)
        .showSpeed()
        .setConsumer(line)
        .startsFrom(Math.min(from, Math.max(1, max)), Duration.ZERO)
        .build();
  }

  /** What one bar last rendered; closing it moves its line above the bars in flight. */
  private static final class Line extends ConsoleProgressBarConsumer {
    private final Screen screen;
    volatile String text = "";
    private boolean finished; // guarded by the screen

    Line(PrintStream out, Screen screen) {
      super(out);
      this.screen = screen;
    }

    @Override
    public void accept(String rendered) {
      text = rendered;
    }

    @Override
    public void close() {
      screen.finish(this);
    }
  }

  /** The bottom of the terminal: lines in flight and the total, redrawn in place. */
  private static final class Screen {
    private final PrintStream out;
    private final List<Line> inFlight = new ArrayList<>(); // guarded by this
    private final List<String> above = new ArrayList<>(); // guarded by this
    Line total;
    private int drawn; // guarded by this
    private boolean closed; // guarded by this

    Screen(PrintStream out) {
      this.out = out;
    }

    synchronized void add(Line l) {
      inFlight.add(l);
    }

    synchronized void finish(Line l) {
      if (l.finished) {
        return;
      }
      l.finished = true;
      if (l == total) {
        closed = true;
      } else {
        inFlight.remove(l);
        above.add(l.text);
      }
      redraw();
    }

    synchronized void redraw() {
      StringBuilder sb = new StringBuilder();
      if (drawn > 0) {
        sb.append("\033[").append(drawn).append('A'); // back to the first line drawn
      }
      sb.append('\r');
      for (String s : above) {
        sb.append("\033[2K").append(s).append('\n');
      }
      above.clear();
      int lines = 0;
      for (int i = 0; i < inFlight.size() && i < MAX_BARS; i++) {
        sb.append("\033[2K").append(inFlight.get(i).text).append('\n');
        lines++;
      }
      if (inFlight.size() > MAX_BARS) {
        sb.append("\033[2K").append("  ... and ").append(inFlight.size() - MAX_BARS)
            .append(" more in flight\n");
        lines++;
      }
      sb.append("\033[2K").append(total.text).append('\n');
      lines++;
      sb.append("\033[J"); // whatever a taller block left below
      drawn = closed ? 0 : lines;
      out.print(sb);
      out.flush();
    }
  }

  private final class Bar implements Tracker {
    final String label;
    final long size;
    final LongSupplier done;
    volatile ProgressBar bar;

    Bar(String label, long size, LongSupplier done) {
      this.label = label;
      this.size = size;
      this.done = done;
    }

    @Override
    public void started(long offset) {
      Line line = new Line(err, screen);
      screen.add(line);
      bar = TerminalProgress.bar(shorten(label), size, offset, line);
      if (offset == size && size > 0) {
        bar.setExtraMessage(" already uploaded");
      }
      active.put(this, Boolean.TRUE);
    }

    @Override
    public void note(String message) {
      ProgressBar b = bar;
      if (b != null) {
        b.setExtraMessage(" " + shorten(message));
      }
    }

    @Override
    public void finished(String url) {
      end(" done", Math.max(1, size));
    }

    @Override
    public void failed(String reason) {
      synchronized (failures) {
        failures.add(label + ": " + reason);
      }
      end(" failed", done.getAsLong());
    }

    private void end(String message, long at) {
      active.remove(this);
      finishedBytes.addAndGet(size);
      ProgressBar b = bar;
      if (b == null) { // failed before it started
        Line line = new Line(err, screen);
        screen.add(line);
        b = TerminalProgress.bar(shorten(label), size, 0, line);
      }
      b.stepTo(Math.min(at, Math.max(1, size)));
      String extra = b.getExtraMessage();
      b.setExtraMessage(extra != null && extra.equals(" already uploaded") && message.equals(" done")
          ? extra : message);
      b.close();
    }
  }

  @Override
  public Tracker file(String label, long size, LongSupplier done) {
    return new Bar(label, size, done);
  }

  private void refresh() {
    long sum = finishedBytes.get();
    for (Bar b : active.keySet()) {
      long d = Math.min(b.done.getAsLong(), b.size);
      sum += d;
      ProgressBar pb = b.bar;
      if (pb != null) {
        pb.stepTo(d);
        pb.refresh();
      }
    }
    total.stepTo(sum);
    total.refresh();
    screen.redraw();
  }

  private static String shorten(String s) {
    String t = s.length() <= LABEL_CHARS ? s : "..." + s.substring(s.length() - LABEL_CHARS + 3);
    return String.format("%-" + LABEL_CHARS + "s", t);
  }

  @Override
  public void close() {
    refresher.shutdownNow();
    try {
      refresher.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long sum = finishedBytes.get();
    total.stepTo(sum);
    total.close();
    synchronized (failures) {
      for (String f : failures) {
        err.println("failed  " + f);
      }
    }
    err.flush();
  }
}
