package dev.forgeupload.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fake {@link StagingStore} in memory with the disk store's rules (a writer cuts the bytes
 * after its offset; fewer bytes than the offset is {@link MissingBytesException}), which also
 * counts fsyncs and can be told to fail.
 */
final class InMemoryStagingStore implements StagingStore {
  final Map<UUID, byte[]> files = new ConcurrentHashMap<>();
  /** Offsets each {@link Writer#force} made durable, in order. */
  final List<Long> forced = java.util.Collections.synchronizedList(new ArrayList<>());
  /** Whether each fsync ran on a daemon thread (checkpoints must not keep the JVM alive). */
  final List<Boolean> forcedOnDaemon =
      java.util.Collections.synchronizedList(new ArrayList<>());
  /** Streams opened by {@link #read} and closed again. */
  final java.util.concurrent.atomic.AtomicInteger opened = new java.util.concurrent.atomic.AtomicInteger();
  final java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();
  final List<UUID> deleted = java.util.Collections.synchronizedList(new ArrayList<>());
  volatile IOException failDelete;
  volatile IOException failRead;
  volatile IOException failForce;

  byte[] bytes(UUID id) {
    return files.get(id);
  }

  void put(UUID id, byte[] data) {
    files.put(id, data.clone());
  }

  @Override
  public Writer openWriter(UUID id, long offset) throws IOException {
    byte[] have = files.getOrDefault(id, new byte[0]);
    if (have.length < offset) {
      throw new MissingBytesException(id + " has " + have.length + " bytes, expected " + offset);
    }
    files.put(id, Arrays.copyOf(have, (int) offset));
    return new Writer() {
      private final ByteArrayOutputStream out = new ByteArrayOutputStream();
      {
        out.write(have, 0, (int) offset);
      }

      private void sync() {
        files.put(id, out.toByteArray());
      }

      @Override
      public synchronized void write(byte[] buf, int off, int len) {
        out.write(buf, off, len);
        sync();
      }

      @Override
      public synchronized void force() throws IOException {
        if (failForce != null) {
          throw failForce;
        }
        forced.add((long) out.size());
        forcedOnDaemon.add(Thread.currentThread().isDaemon());
      }

      @Override
      public synchronized void truncate(long to) {
        byte[] kept = Arrays.copyOf(out.toByteArray(), (int) to);
        out.reset();
        out.write(kept, 0, kept.length);
        sync();
      }

      @Override
      public synchronized long position() {
        return out.size();
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public InputStream read(UUID id, long from, long count) throws IOException {
    if (failRead != null) {
      throw failRead;
    }
    byte[] have = files.get(id);
    if (have == null) {
      throw new NoSuchFileException(id + ".bin");
    }
    int start = (int) Math.min(from, have.length);
    int n = (int) Math.min(count, have.length - start);
    opened.incrementAndGet();
    return new ByteArrayInputStream(have, start, n) {
      @Override
      public void close() {
        closed.incrementAndGet();
      }
    };
  }

  @Override
  public long size(UUID id) {
    byte[] have = files.get(id);
    return have == null ? 0 : have.length;
  }

  @Override
  public void delete(UUID id) throws IOException {
    if (failDelete != null) {
      throw failDelete;
    }
    deleted.add(id);
    files.remove(id);
  }

  @Override
  public List<Entry> list() {
    return files.keySet().stream().map(id -> new Entry(id, Duration.ZERO)).toList();
  }
}
