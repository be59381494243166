package dev.forgeupload.client;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Progress as lines, for logs and pipes: one when a file starts, resumes, retries, ends or
 * fails, and every second one per file in flight that moved plus a total.
 */
final class PlainProgress implements Progress {
  private static final long TICK_MILLIS = 1000;

  private final PrintStream out;
  private final long totalBytes;
  private final int totalFiles;
  private final long startedAt = System.nanoTime();
  private final Map<Line, Boolean> active = new ConcurrentHashMap<>();
  private final AtomicLong finishedBytes = new AtomicLong();
  private final AtomicLong finishedFiles = new AtomicLong();
  private final ScheduledExecutorService ticker;
  private long lastTotal = -1;

  PlainProgress(PrintStream out, int totalFiles, long totalBytes) {
    this.out = out;
    this.totalFiles = totalFiles;
    this.totalBytes = totalBytes;
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "upload-progress");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  private final class Line implements Tracker {
    final String label;
    final long size;
    final LongSupplier done;
    volatile long lastShown = -1;

    Line(String label, long size, LongSupplier done) {
      this.label = label;
      this.size = size;
      this.done = done;
    }

    @Override
    public void started(long offset) {
      active.put(this, Boolean.TRUE);
      lastShown = offset;
      if (offset == size && size > 0) {
        print("present " + label + " (already uploaded)");
      } else if (offset > 0) {
        print("resume  " + label + " at " + offset + " of " + size + " bytes ("
            + Progress.percent(offset, size) + ")");
      } else {
        print("start   " + label + " (" + Progress.bytes(size) + ")");
      }
    }

    @Override
    public void note(String message) {
      print("retry   " + label + ": " + message);
    }

    @Override
    public void finished(String url) {
      end();
      print("done    " + label + " " + url);
    }

    @Override
    public void failed(String reason) {
      end();
      print("failed  " + label + ": " + reason);
    }

    private void end() {
      active.remove(this);
      finishedBytes.addAndGet(size);
      finishedFiles.incrementAndGet();
    }
  }

  @Override
  public Tracker file(String label, long size, LongSupplier done) {
    return new Line(label, size, done);
  }

  private synchronized void print(String line) {
    out.println(line);
    out.flush();
  }

  private void tick() {
    long total = finishedBytes.get();
    for (Line l : active.keySet()) {
      long d = Math.min(l.done.getAsLong(), l.size);
      total += d;
      if (d != l.lastShown) {
        l.lastShown = d;
        print("        " + l.label + " " + Progress.bytes(d) + " / " + Progress.bytes(l.size)
            + " " + Progress.percent(d, l.size));
      }
    }
    if (total != lastTotal && !active.isEmpty()) {
      lastTotal = total;
      double seconds = (System.nanoTime() - startedAt) / 1e9;
      print("total   " + Progress.bytes(total) + " / " + Progress.bytes(totalBytes) + " "
          + Progress.percent(total, totalBytes) + ", " + finishedFiles.get() + " of " + totalFiles
          + " files done, " + seconds(seconds));
    }
  }

  private static String seconds(double s) {
    return String.format(java.util.Locale.ROOT, "%.1f s", s);
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
