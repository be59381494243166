package dev.forgeupload.client;

import dev.forgeupload.client.FingerprintStore.Entry;
import dev.forgeupload.client.FingerprintStore.Part;
import dev.forgeupload.client.Sources.Source;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends one file: finds what an earlier run started (the fingerprint store, then HEAD for the
 * server's offset), or creates a new upload and records its URL before the first byte goes out;
 * then PATCHes from the offset, and after a failure waits ({@link Backoff}), asks HEAD where the
 * server got to and goes on from there. With parallel parts, the file is split into partial
 * uploads sent at once and joined by a final upload ({@code concatenation}); each part resumes
 * on its own.
 */
final class FileUpload {
  /** Parts are at least this big: smaller files go as one upload. */
  static final long MIN_PART_BYTES = 1L << 20;

  /** How the run sends files. {@code chunkBytes} 0: each PATCH carries the rest of the file. */
  record Settings(long chunkBytes, int retries, int parallelParts, boolean resume,
      boolean concatenation) {}

  /**
   * The outcome for one file: {@code url} (null when it failed before one existed), where this
   * run started ({@code resumedFrom}: 0 new, the file's size when it was already complete), the
   * bytes it sent, the number of parts (1 for a plain upload), the error or null.
   */
  record Result(Source source, String url, long resumedFrom, long sentBytes, int parts,
      String error) {
    boolean ok() {
      return error == null;
    }
  }

  private final TusClient tus;
  private final FingerprintStore store;
  private final RateLimiter limiter;
  private final Settings settings;
  private final ExecutorService partPool;
  private final Progress progress;

  FileUpload(TusClient tus, FingerprintStore store, RateLimiter limiter, Settings settings,
      ExecutorService partPool, Progress progress) {
    this.tus = tus;
    this.store = store;
    this.limiter = limiter;
    this.settings = settings;
    this.partPool = partPool;
    this.progress = progress;
  }

  /** One file in flight: its counters (one per part) and what this run sent. */
  private final class Job {
    final Source src;
    final String fingerprint;
    final Progress.Tracker tracker;
    final AtomicLong sent = new AtomicLong();
    volatile AtomicLong[] done = {};
    long resumedFrom;
    int parts = 1;
    FileChannel channel;

    Job(Source src) {
      this.src = src;
      this.fingerprint = FingerprintStore.fingerprint(tus.endpoint().toString(), src.realPath(),
          src.size(), src.mtimeMillis());
      this.tracker = progress.file(src.label(), src.size(), this::doneBytes);
    }

    long doneBytes() {
      long sum = 0;
      for (AtomicLong a : done) {
        sum += a.get();
      }
      return sum;
    }

    Backoff backoff() {
      return new Backoff(settings.retries(), tracker::note);
    }
  }

  Result upload(Source src) {
    Job job = new Job(src);
    if (src.problem() != null) {
      job.tracker.failed(src.problem());
      return new Result(src, null, 0, 0, 1, src.problem());
    }
    String url = null;
    try (FileChannel ch = FileChannel.open(src.realPath(), StandardOpenOption.READ)) {
      job.channel = ch;
      url = send(job);
      checkUnchanged(src);
      job.tracker.finished(url);
      return new Result(src, url, job.resumedFrom, job.sent.get(), job.parts, null);
    } catch (TusException e) {
      return failed(job, url, e.getMessage());
    } catch (IOException e) {
      return failed(job, url, "cannot read the file: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed(job, url, "interrupted");
    }
  }

  private Result failed(Job job, String url, String reason) {
    job.tracker.failed(reason);
    return new Result(job.src, url, job.resumedFrom, job.sent.get(), job.parts, reason);
  }

  private String send(Job job) throws TusException, IOException, InterruptedException {
    Entry e = settings.resume() ? store.get(job.fingerprint).orElse(null) : null;
    if (e != null && e.parts() != null) {
      return sendParts(job, e); // what an earlier run started decides the shape
    }
    if (e == null && splits(job.src.size()) > 1) {
      return sendParts(job, null);
    }
    return sendWhole(job, e);
  }

  private int splits(long size) {
    if (settings.parallelParts() < 2 || !settings.concatenation()) {
      return 1;
    }
    return (int) Math.min(settings.parallelParts(), size / MIN_PART_BYTES);
  }

  private String sendWhole(Job job, Entry e) throws TusException, IOException,
      InterruptedException {
    long size = job.src.size();
    URI url = null;
    long offset = 0;
    if (e != null && e.url() != null) {
      URI known = URI.create(e.url());
      TusClient.Head h = headIfThere(job, known, size);
      if (h != null) {
        url = known;
        offset = h.offset();
      }
    }
    if (url == null) {
      url = create(job, size, metadata(job.src), false);
      store.put(new Entry(job.fingerprint, job.src.realPath().toString(), size, url.toString(),
          null));
    }
    AtomicLong counter = new AtomicLong(offset);
    job.done = new AtomicLong[] {counter};
    job.resumedFrom = offset;
    job.tracker.started(offset);
    sendRange(job, url, 0, size, offset, counter);
    return url.toString();
  }

  private String sendParts(Job job, Entry e) throws TusException, IOException,
      InterruptedException {
    long size = job.src.size();
    if (e != null && e.url() != null) {
      TusClient.Head h = headIfThere(job, URI.create(e.url()), size);
      if (h != null && h.offset() == size) {
        job.parts = e.parts().size();
        job.done = new AtomicLong[] {new AtomicLong(size)};
        job.resumedFrom = size;
        job.tracker.started(size);
        return e.url();
      }
      e = null; // the final upload is gone: start again
    }
    List<Part> parts = new ArrayList<>(e == null ? ranges(size, splits(size)) : e.parts());
    Entry entry = new Entry(job.fingerprint, job.src.realPath().toString(), size, null, parts);
    long[] offsets = ensureParts(job, parts, entry);
    job.parts = parts.size();
    AtomicLong[] counters = new AtomicLong[parts.size()];
    long resumed = 0;
    for (int i = 0; i < counters.length; i++) {
      counters[i] = new AtomicLong(offsets[i]);
      resumed += offsets[i];
    }
    job.done = counters;
    job.resumedFrom = resumed;
    job.tracker.started(resumed);

    List<Future<Void>> running = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      Part p = parts.get(i);
      long offset = offsets[i];
      AtomicLong counter = counters[i];
      running.add(partPool.submit(() -> {
        sendRange(job, URI.create(p.url()), p.start(), p.end(), offset, counter);
        return null;
      }));
    }
    awaitAll(running);

    List<URI> urls = parts.stream().map(p -> URI.create(p.url())).toList();
    URI fin = createFinal(job, urls, metadata(job.src));
    store.put(entry.withParts(parts).withUrl(fin.toString()));
    return fin.toString();
  }

  /**
   * Makes sure every part exists on the server (HEAD for those an earlier run created, creation
   * and a store update for the rest); returns each part's offset. {@code parts} is updated.
   */
  private long[] ensureParts(Job job, List<Part> parts, Entry entry) throws TusException,
      IOException, InterruptedException {
    long[] offsets = new long[parts.size()];
    for (int i = 0; i < parts.size(); i++) {
      Part p = parts.get(i);
      if (p.url() != null) {
        TusClient.Head h = headIfThere(job, URI.create(p.url()), p.end() - p.start());
        if (h != null) {
          offsets[i] = h.offset();
          continue;
        }
      }
      URI url = create(job, p.end() - p.start(), Map.of(), true);
      parts.set(i, p.withUrl(url.toString()));
      store.put(entry.withParts(parts));
    }
    return offsets;
  }

  /** Waits for every part; the first failure cancels the others and is thrown. */
  private static void awaitAll(List<Future<Void>> running) throws TusException, IOException,
      InterruptedException {
    try {
      for (Future<Void> f : running) {
        f.get();
      }
    } catch (ExecutionException ex) {
      running.forEach(f -> f.cancel(true));
      Throwable c = ex.getCause();
      if (c instanceof TusException t) {
        throw t;
      }
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof InterruptedException ie) {
        throw ie;
      }
      throw new IllegalStateException(c);
    } catch (InterruptedException ie) {
      running.forEach(f -> f.cancel(true));
      throw ie;
    }
  }

  /** {@code n} consecutive ranges covering {@code [0, size)}, as even as whole bytes allow. */
  static List<Part> ranges(long size, int n) {
    List<Part> parts = new ArrayList<>();
    long each = (size + n - 1) / n;
    for (long start = 0; start < size; start += each) {
      parts.add(new Part(start, Math.min(size, start + each), null));
    }
    return parts;
  }

  /**
   * PATCHes the file's bytes {@code [base + offset, end)} to the upload at {@code url} (whose
   * own offset 0 is the file's {@code base}), retrying from the server's offset.
   */
  private void sendRange(Job job, URI url, long base, long end, long offset, AtomicLong counter)
      throws TusException, InterruptedException {
    long length = end - base;
    Backoff backoff = job.backoff();
    counter.set(offset);
    while (offset < length) {
      long n = settings.chunkBytes() > 0 ? Math.min(settings.chunkBytes(), length - offset)
          : length - offset;
      long before = offset;
      RegionBody body = new RegionBody(job.channel, base + offset, n, limiter, k -> {
        counter.addAndGet(k);
        job.sent.addAndGet(k);
      });
      try {
        long now = tus.patch(url, offset, body, n);
        if (now <= before || now > length) {
          throw TusException.fatal("the server answered offset " + now + " to a PATCH of " + n
              + " bytes at " + before);
        }
        offset = now;
        counter.set(offset);
        backoff.progressed();
      } catch (TusException e) {
        if (!e.retryable()) {
          throw e;
        }
        backoff.failed(e);
        TusClient.Head h = headIfThere(job, url, length);
        if (h == null) {
          throw TusException.fatal("the upload " + url + " is no longer on the server");
        }
        offset = h.offset();
        counter.set(offset);
        if (offset > before) {
          backoff.progressed();
        }
      }
    }
  }

  /**
   * HEAD with retries; null when the upload is gone (404, 410, 403) or is not this file's (its
   * length differs).
   */
  private TusClient.Head headIfThere(Job job, URI url, long length) throws TusException,
      InterruptedException {
    Backoff backoff = job.backoff();
    while (true) {
      try {
        TusClient.Head h = tus.head(url);
        return h.length() == length && h.offset() <= length ? h : null;
      } catch (TusException e) {
        if (e.gone()) {
          return null;
        }
        backoff.failed(e);
      }
    }
  }

  private URI create(Job job, long length, Map<String, String> metadata, boolean partial)
      throws TusException, InterruptedException {
    Backoff backoff = job.backoff();
    while (true) {
      try {
        return tus.create(length, metadata, partial);
      } catch (TusException e) {
        backoff.failed(e);
      }
    }
  }

  private URI createFinal(Job job, List<URI> parts, Map<String, String> metadata)
      throws TusException, InterruptedException {
    Backoff backoff = job.backoff();
    while (true) {
      try {
        return tus.createFinal(parts, metadata);
      } catch (TusException e) {
        backoff.failed(e);
      }
    }
  }

  private static Map<String, String> metadata(Source src) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("filename", src.filename());
    if (src.relativePath() != null) {
      m.put("relativePath", src.relativePath());
    }
    return m;
  }

  /** The bytes sent are the file's only if it did not change meanwhile. */
  private static void checkUnchanged(Source src) throws IOException, TusException {
    BasicFileAttributes a = Files.readAttributes(src.realPath(), BasicFileAttributes.class);
    if (a.size() != src.size() || a.lastModifiedTime().toMillis() != src.mtimeMillis()) {
      throw TusException.fatal("the file changed while it was sent; run again to send it anew");
    }
  }
}
