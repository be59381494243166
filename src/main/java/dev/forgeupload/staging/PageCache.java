package dev.forgeupload.staging;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the OS drop a staging file's bytes from its page cache once they are on disk
 * ({@code posix_fadvise(POSIX_FADV_DONTNEED)} after an fdatasync), so a stream of any size
 * keeps only the few MiB it has not yet flushed in memory and the writes reuse the same freed
 * pages. Measured on this project's VMs, where the host backs guest memory lazily: 1 GiB written
 * in 8 MiB pieces, each fdatasynced, took 3.2-3.7 s of kernel time into fresh page cache and
 * 0.4 s with each piece dropped after its fdatasync. Nothing reads staged bytes back soon but
 * the store worker, once, sequentially (readahead serves it from disk).
 *
 * <p>Linux only, through JNA on its own read-only descriptor of the file (the page cache is the
 * file's, not the descriptor's). Where JNA or the call is unavailable, {@link #open} answers a
 * handle that does nothing: the bytes stay cached, as they always have.
 */
final class PageCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PageCache.class);
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x80000; // Linux, every architecture JNA ships for
  private static final int POSIX_FADV_DONTNEED = 4;
  private static final PageCache NONE = new PageCache(-1);

  private final int fd;
  private long dropped; // bytes before this offset are dropped already, guarded by this
  private boolean closed; // guarded by this

  private PageCache(int fd) {
    this.fd = fd;
  }

  /** A handle for {@code file}, or one that does nothing where the OS call is unavailable. */
  static PageCache open(Path file) {
    if (!LibC.LOADED) {
      return NONE;
    }
    int fd = LibC.open(file.toString(), O_RDONLY | O_CLOEXEC);
    return fd < 0 ? NONE : new PageCache(fd);
  }

  /** Whether this handle drops anything (false where the OS call is unavailable). */
  boolean active() {
    return fd >= 0;
  }

  /**
   * Drops the cached bytes before {@code durableEnd}, which an fdatasync made durable (clean
   * pages only: the kernel keeps a dirty one). Advice, never an error: a failure leaves them
   * cached.
   */
  void dropBefore(long durableEnd) {
    if (fd >= 0) { // the shared no-op handle takes no lock
      drop(durableEnd);
    }
  }

  private synchronized void drop(long durableEnd) {
    if (closed || durableEnd <= dropped) {
      return;
    }
    LibC.posix_fadvise(fd, dropped, durableEnd - dropped, POSIX_FADV_DONTNEED);
    dropped = durableEnd & ~4095L; // a partial last page stays: the next drop takes it
  }

  /** After a truncation, bytes from {@code offset} on are new. */
  synchronized void truncated(long offset) {
    if (fd >= 0) {
      dropped = Math.min(dropped, offset);
    }
  }

  @Override
  public synchronized void close() {
    if (fd >= 0 && !closed) {
      closed = true;
      LibC.close(fd);
    }
  }

  /**
   * The C library's calls used here, bound by JNA's direct mapping (no per-call reflection);
   * {@link #LOADED} is false off 64-bit Linux or when JNA's native part cannot load.
   */
  private static final class LibC {
    static final boolean LOADED = register();

    private static boolean register() {
      if (!Platform.isLinux() || !Platform.is64Bit()) {
        return false;
      }
      try {
        Native.register(LibC.class, Platform.C_LIBRARY_NAME);
        return true;
      } catch (LinkageError | RuntimeException e) {
        log.info("PageCacheAdviceUnavailable error={} (staged bytes stay in the page cache)",
            e.toString());
        return false;
      }
    }

    static native int open(String path, int flags);

    static native int posix_fadvise(int fd, long offset, long len, int advice);

    static native int close(int fd);
  }
}
