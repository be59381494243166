package dev.forgeupload.objects;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Cuts a stream into frames of {@code frameBytes} original bytes, compresses each on its own and
 * writes them one after another; what it returns says where each frame starts. Holds one frame
 * (and its compressed form) in memory at a time.
 */
public final class FramedWriter {
  private FramedWriter() {}

  /**
   * Reads {@code in} to its end; each byte read also goes through {@code digest} (may be null).
   * Returns the index of what was written to {@code out}.
   */
  public static FrameIndex write(
      InputStream in, OutputStream out, Compression c, int frameBytes, MessageDigest digest)
      throws IOException {
    byte[] frame = new byte[frameBytes];
    long[] offsets = new long[16];
    int frames = 0;
    long length = 0;
    long physical = 0;
    while (true) {
      int n = in.readNBytes(frame, 0, frameBytes);
      if (n == 0) {
        break;
      }
      if (digest != null) {
        digest.update(frame, 0, n);
      }
      byte[] packed = c.compress(frame, n);
      if (frames == offsets.length) {
        offsets = java.util.Arrays.copyOf(offsets, frames * 2);
      }
      offsets[frames++] = physical;
      out.write(packed);
      physical += packed.length;
      length += n;
      if (n < frameBytes) {
        break;
      }
    }
    return new FrameIndex(frameBytes, java.util.Arrays.copyOf(offsets, frames), length, physical);
  }
}
