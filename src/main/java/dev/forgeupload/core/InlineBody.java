package dev.forgeupload.core;

import java.util.Arrays;

/**
 * The staging writer of a small upload whose whole content comes with its creation request: the
 * bytes stay in memory and are committed with the upload's row ({@link
 * UploadRepository#createWhole}), so {@link #force} has nothing to do. Holds at most the upload's
 * declared length; the {@link ChunkWriter} stops a body at that limit before writing.
 */
final class InlineBody implements StagingStore.Writer {
  private final byte[] bytes;
  private int position;

  InlineBody(int length) {
    this.bytes = new byte[length];
  }

  @Override
  public void write(byte[] buf, int off, int len) {
    if (len > bytes.length - position) {
      throw new IllegalStateException(
          "an inline body holds " + bytes.length + " bytes, not " + (position + len));
    }
    System.arraycopy(buf, off, bytes, position, len);
    position += len;
  }

  @Override
  public void force() {
    // durable with the row, in the same commit
  }

  @Override
  public void truncate(long offset) {
    position = (int) Math.min(offset, position);
  }

  @Override
  public long position() {
    return position;
  }

  /** Whether the body brought every byte of the upload. */
  boolean whole() {
    return position == bytes.length;
  }

  /** The bytes written (a copy only when the body ended short). */
  byte[] bytes() {
    return whole() ? bytes : Arrays.copyOf(bytes, position);
  }

  @Override
  public void close() {}
}
