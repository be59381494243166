package dev.forgeupload.staging;

import com.sun.nio.file.ExtendedOpenOption;
import dev.forgeupload.core.StagingStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A staging file written past the page cache ({@code O_DIRECT}): bytes gather in an aligned
 * buffer and go to the disk in whole buffers, straight from it. Measured on this project's VMs,
 * where the host backs guest memory lazily, 1 GiB written through the page cache cost 1.6 s of
 * kernel time and direct writes of 256 KiB 0.13 s (docs/decisions.md).
 *
 * <p>Bytes still in the buffer are not in the file yet: {@link #flush} puts them there (the whole
 * blocks directly, the partial last block through the page cache) and {@link #force} flushes,
 * then fdatasyncs. The buffer keeps a partial block, so the next direct write rewrites it whole;
 * a writer that starts inside a block first reads the block's head back. {@link #checkpoint},
 * from another thread while this one writes, makes durable and reports only what is in the file.
 */
final class DirectWriter implements StagingStore.Writer {
  private final FileChannel direct; // O_DIRECT: whole aligned blocks from the aligned buffer
  private final FileChannel plain; // the partial last block, truncation, reading a block back
  private final DirectBuffers buffers;
  private final int align;
  private final DirectorySync.NewName name;
  private DirectBuffers.Buffer held;
  private ByteBuffer buf; // the file's bytes [blockStart, blockStart + buf.position())
  private long blockStart;
  private volatile long position;
  private volatile long inFile; // bytes before this offset are in the file (readable)

  private DirectWriter(FileChannel direct, FileChannel plain, DirectBuffers buffers,
      DirectBuffers.Buffer held, DirectorySync.NewName name) {
    this.direct = direct;
    this.plain = plain;
    this.buffers = buffers;
    this.align = buffers.alignment();
    this.held = held;
    this.buf = held.aligned();
    this.name = name;
  }

  /**
   * A writer at {@code plain}'s position, or null when no buffer can be had now (the caller
   * writes through the page cache instead). Takes {@code plain} over: closes it when closed.
   */
  static DirectWriter open(Path file, FileChannel plain, DirectBuffers buffers,
      DirectorySync.NewName name) throws IOException {
    DirectBuffers.Buffer buf = buffers.take();
    if (buf == null) {
      return null;
    }
    FileChannel direct = null;
    try {
      direct = FileChannel.open(file, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
      DirectWriter w = new DirectWriter(direct, plain, buffers, buf, name);
      w.startAt(plain.position());
      return w;
    } catch (IOException | RuntimeException e) {
      buffers.give(buf);
      if (direct != null) {
        direct.close();
      }
      throw e;
    }
  }

  /** Positions the writer at {@code offset}, with the head of its block read back. */
  private void startAt(long offset) throws IOException {
    position = offset;
    inFile = offset;
    blockStart = offset - offset % align;
    buf.clear();
    buf.limit((int) (offset - blockStart));
    while (buf.hasRemaining()) {
      if (plain.read(buf, blockStart + buf.position()) < 0) {
        throw new IOException("staged file ends before " + offset);
      }
    }
    buf.limit(buf.capacity());
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    for (int done = 0; done < len; ) {
      int n = Math.min(buf.remaining(), len - done);
      buf.put(b, off + done, n);
      done += n;
      if (!buf.hasRemaining()) {
        writeBlocks();
      }
    }
    position += len;
  }

  /** The buffer's whole blocks to the disk; the partial one left moves to its front. */
  private void writeBlocks() throws IOException {
    int whole = buf.position() - buf.position() % align;
    if (whole == 0) {
      return;
    }
    ByteBuffer out = buf.duplicate().flip().limit(whole);
    while (out.hasRemaining()) {
      direct.write(out, blockStart + out.position());
    }
    buf.flip().position(whole);
    buf.compact();
    blockStart += whole;
    inFile = Math.max(inFile, blockStart);
  }

  @Override
  public void flush() throws IOException {
    writeBlocks();
    // the partial last block through the page cache; the buffer keeps it for the next write
    ByteBuffer tail = buf.duplicate().flip();
    while (tail.hasRemaining()) {
      plain.write(tail, blockStart + tail.position());
    }
    inFile = position;
  }

  @Override
  public void force() throws IOException {
    flush();
    sync();
  }

  /** What is in the file made durable, from any thread; buffered bytes wait for the next. */
  @Override
  public long checkpoint(long at) throws IOException {
    long covered = Math.min(at, inFile);
    sync();
    return covered;
  }

  private void sync() throws IOException {
    plain.force(false);
    name.awaitDurable();
  }

  @Override
  public void truncate(long offset) throws IOException {
    flush();
    plain.truncate(offset);
    plain.force(false);
    startAt(offset);
  }

  @Override
  public long position() {
    return position;
  }

  /** Puts the buffered bytes in the file (not durably, as a write through the cache would be). */
  @Override
  public void close() throws IOException {
    try (plain; direct) {
      if (buf != null) {
        flush();
      }
    } finally {
      buffers.give(held);
      held = null;
      buf = null;
    }
  }
}
