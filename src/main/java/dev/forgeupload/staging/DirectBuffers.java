package dev.forgeupload.staging;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The aligned off-heap buffers {@link DirectWriter}s write from. A few are kept for the next
 * writers (a direct buffer costs a zeroed allocation); the rest are freed as soon as they come
 * back, not whenever a garbage collection finds them, so a burst of uploads leaves no off-heap
 * memory behind. At most {@code max} are out at once ({@code max} x {@code size} bytes); past that
 * {@link #take} answers null and the writer goes through the page cache instead.
 */
final class DirectBuffers {
  /** A buffer as allocated (what can be freed) and its aligned slice (what is written from). */
  record Buffer(ByteBuffer allocated, ByteBuffer aligned) {}

  private static final sun.misc.Unsafe UNSAFE = unsafe();

  private final int size;
  private final int alignment;
  private final int max;
  private final ArrayBlockingQueue<Buffer> kept;
  private final AtomicInteger out = new AtomicInteger();

  DirectBuffers(int size, int alignment, int max, int keep) {
    if (size % alignment != 0) {
      throw new IllegalArgumentException("size " + size + " is not a multiple of " + alignment);
    }
    this.size = size;
    this.alignment = alignment;
    this.max = max;
    this.kept = new ArrayBlockingQueue<>(keep);
  }

  int alignment() {
    return alignment;
  }

  /** A cleared buffer whose address is aligned, or null when {@code max} are out. */
  Buffer take() {
    if (out.incrementAndGet() > max) {
      out.decrementAndGet();
      return null;
    }
    Buffer b = kept.poll();
    if (b != null) {
      b.aligned().clear();
      return b;
    }
    try {
      ByteBuffer raw = ByteBuffer.allocateDirect(size + alignment);
      return new Buffer(raw, raw.alignedSlice(alignment).limit(size).slice());
    } catch (OutOfMemoryError e) { // direct memory exhausted: this writer does without
      out.decrementAndGet();
      return null;
    }
  }

  /** Back for the next writer, or freed at once when enough are kept. */
  void give(Buffer b) {
    if (b == null) {
      return;
    }
    out.decrementAndGet();
    if (!kept.offer(b) && UNSAFE != null) {
      UNSAFE.invokeCleaner(b.allocated());
    }
  }

  private static sun.misc.Unsafe unsafe() {
    try {
      Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return (sun.misc.Unsafe) f.get(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // then the garbage collector frees them, later
    }
  }
}
