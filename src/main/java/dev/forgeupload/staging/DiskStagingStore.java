package dev.forgeupload.staging;

import com.sun.nio.file.ExtendedOpenOption;
import dev.forgeupload.core.StagingStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import java.nio.file.DirectoryStream;
import dev.forgeupload.core.UploadIds;
import org.apache.commons.io.input.BoundedInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Staged bytes as one file per upload under {@code <data>/staging/<id>.bin}. The file name comes
 * from the UUID only, never from client input.
 *
 * <p>{@link Writer#force} makes everything written durable: the bytes (fdatasync) and, for a file
 * this writer created, its name (the directory's fsync, shared by concurrent creations). While a
 * body streams, every {@link #FLUSH_BYTES} written start a background fdatasync (one at a time per
 * file), so the fsync before the response covers only the tail. Bytes an fdatasync made durable
 * leave the page cache ({@link PageCache}).
 *
 * <p>Where the file system takes {@code O_DIRECT} (probed once, at start), writers go past the
 * page cache instead ({@link DirectWriter}), each from one of a few pooled aligned buffers; a
 * writer that finds none free, or a store built without direct writes, uses the page cache.
 */
public final class DiskStagingStore implements StagingStore {
  /** Bytes written after which a background flush starts. */
  static final long FLUSH_BYTES = 2L << 20;
  private static final int WRITE_SLICE = 64 * 1024;
  // a few threads for every upload: a flush that waits its turn is dropped by the writer's own
  // force(), so a busy pool costs nothing but the overlap
  private static final ExecutorService FLUSHES =
      Executors.newFixedThreadPool(
          4,
          r -> {
            Thread t = new Thread(r, "staging-flush");
            t.setDaemon(true);
            return t;
          });

  /** The buffer of a direct writer: one write of a request body's pieces (ChunkWriter's). */
  static final int DIRECT_BUFFER_BYTES = 256 * 1024;
  /** Direct writers at once (their buffers: 32 MiB off-heap); more write through the cache. */
  static final int MAX_DIRECT_WRITERS = 128;
  /** Buffers kept for the next writers when theirs close (1 MiB); the others are freed. */
  private static final int KEPT_DIRECT_BUFFERS = 4;

  private static final Logger log = LoggerFactory.getLogger(DiskStagingStore.class);

  private final Path dir;
  private final DirectorySync dirSync;
  private final DirectBuffers buffers; // null: every writer goes through the page cache

  /** A store whose writers write directly where the file system allows it. */
  public DiskStagingStore(Path dir) throws IOException {
    this(dir, true);
  }

  /** With {@code directIo} false, every writer goes through the page cache. */
  DiskStagingStore(Path dir, boolean directIo) throws IOException {
    this(dir, directIo, MAX_DIRECT_WRITERS);
  }

  DiskStagingStore(Path dir, boolean directIo, int maxDirectWriters) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.dirSync = new DirectorySync(this.dir);
    int alignment = directIo ? directAlignment(this.dir) : 0;
    this.buffers = alignment > 0 && DIRECT_BUFFER_BYTES % alignment == 0
        ? new DirectBuffers(DIRECT_BUFFER_BYTES, alignment, maxDirectWriters,
            KEPT_DIRECT_BUFFERS) : null;
    log.info("StagingWrites dir={} direct={} alignment={}", this.dir, buffers != null, alignment);
  }

  /** Whether writers write past the page cache. */
  public boolean direct() {
    return buffers != null;
  }

  /**
   * The block size direct writes in {@code dir} must align to, found by writing one block to a
   * probe file; 0 when the file system refuses {@code O_DIRECT} (tmpfs, some network file
   * systems) or the JDK does not offer it.
   */
  private static int directAlignment(Path dir) {
    Path probe = dir.resolve(".direct-probe-" + UUID.randomUUID());
    try {
      int alignment = Math.toIntExact(Files.getFileStore(dir).getBlockSize());
      try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
        ByteBuffer block = ByteBuffer.allocateDirect(2 * alignment).alignedSlice(alignment)
            .limit(alignment);
        ch.write(block, 0);
      }
      return alignment;
    } catch (IOException | RuntimeException e) {
      log.info("DirectWritesUnavailable dir={} error={}", dir, e.toString());
      return 0;
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException e) {
        log.warn("DirectProbeNotDeleted file={} error={}", probe, e.toString());
      }
    }
  }

  private Path file(UUID id) {
    return dir.resolve(id + ".bin");
  }

  @Override
  public Writer openWriter(UUID id, long offset) throws IOException {
    FileChannel ch = null;
    // a file created here: its name is made durable with its first force
    DirectorySync.NewName name = DirectorySync.NewName.NONE;
    while (ch == null) {
      try {
        // READ too: a direct writer that starts inside a block reads its head back
        ch = FileChannel.open(file(id), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        name = dirSync.createdName();
      } catch (FileAlreadyExistsException e) {
        try {
          ch = FileChannel.open(file(id), StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException gone) {
          // deleted between the two opens: create it after all
        }
      }
    }
    try {
      if (ch.size() > offset) {
        ch.truncate(offset);
      } else if (ch.size() < offset) {
        throw new MissingBytesException(
            "staged file of " + id + " has " + ch.size() + " bytes, expected " + offset);
      }
      ch.position(offset);
      StagingStore.Writer w =
          buffers == null ? null : DirectWriter.open(file(id), ch, buffers, name);
      return w != null ? w : new DiskWriter(ch, name, PageCache.open(file(id)));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  @Override
  public InputStream read(UUID id, long from, long count) throws IOException {
    FileChannel ch = FileChannel.open(file(id), StandardOpenOption.READ);
    ch.position(from);
    return BoundedInputStream.builder()
        .setInputStream(Channels.newInputStream(ch))
        .setMaxCount(count)
        .get();
  }

  @Override
  public long size(UUID id) throws IOException {
    try {
      return Files.size(file(id));
    } catch (NoSuchFileException e) {
      return 0;
    }
  }

  @Override
  public void delete(UUID id) throws IOException {
    Files.deleteIfExists(file(id));
  }

  @Override
  public List<Entry> list() {
    List<Entry> out = new ArrayList<>();
    long now = System.currentTimeMillis();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.bin")) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        Optional<UUID> id = UploadIds.parse(name.substring(0, name.length() - 4));
        if (id.isPresent()) {
          long modified = Files.getLastModifiedTime(f).toMillis();
          out.add(new Entry(id.get(), Duration.ofMillis(Math.max(0, now - modified))));
        }
      }
    } catch (IOException e) {
      // a file vanished or the directory is unreadable: list what we saw
    }
    return out;
  }

  private final class DiskWriter implements Writer {
    private final FileChannel ch;
    private final PageCache cache;
    private volatile long position;
    private final DirectorySync.NewName name;
    private long unflushed;
    private Future<?> flushing; // the background fdatasync, guarded by this

    DiskWriter(FileChannel ch, DirectorySync.NewName name, PageCache cache) throws IOException {
      this.ch = ch;
      this.cache = cache;
      this.position = ch.position();
      this.name = name;
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      // in slices: the JDK copies a heap buffer into a per-thread direct buffer of the write's
      // size and keeps it, so 256 KiB writes on 64 request threads would pin 16 MiB off-heap
      for (int done = 0; done < len; ) {
        ByteBuffer bb = ByteBuffer.wrap(buf, off + done, Math.min(WRITE_SLICE, len - done));
        while (bb.hasRemaining()) {
          done += ch.write(bb);
        }
      }
      position += len;
      unflushed += len;
      if (unflushed >= FLUSH_BYTES) {
        flushInBackground();
      }
    }

    /** Starts an fdatasync of what is written so far, unless one is still running. */
    private synchronized void flushInBackground() {
      if (flushing != null && !flushing.isDone()) {
        return;
      }
      unflushed = 0;
      long written = position;
      flushing =
          FLUSHES.submit(
              () -> {
                try {
                  ch.force(false);
                  cache.dropBefore(written);
                } catch (IOException e) {
                  // the foreground force (before any response) repeats it and reports
                }
              });
    }

    /** Waits for the background flush; one not yet started is dropped (force() does it all). */
    private void awaitFlush() {
      Future<?> f;
      synchronized (this) {
        f = flushing;
        flushing = null;
      }
      if (f == null || f.cancel(false)) {
        return;
      }
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | CancellationException e) {
        // reported by the foreground force
      }
    }

    @Override
    public void force() throws IOException {
      awaitFlush();
      ch.force(false);
      cache.dropBefore(position);
      unflushed = 0;
      name.awaitDurable();
    }

    @Override
    public void truncate(long offset) throws IOException {
      awaitFlush();
      ch.truncate(offset);
      ch.position(offset);
      position = offset;
      cache.truncated(offset);
      ch.force(false);
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public void close() throws IOException {
      awaitFlush();
      try {
        ch.close();
      } finally {
        cache.close();
      }
    }
  }
}
