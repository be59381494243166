package dev.forgeupload.objects;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.util.Locale;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FastDecompressor;

/**
 * How an object's frames are kept: as they are, as zstd frames (each a complete zstd frame, so
 * the whole object is also one valid multi-frame {@code .zst} stream), or as raw LZ4 blocks (the
 * frame's original size comes from the index).
 */
public enum Compression {
  NONE,
  ZSTD,
  LZ4;

  private static final int ZSTD_LEVEL = 3;
  private static final LZ4Factory LZ4_FACTORY = LZ4Factory.fastestInstance();

  public String dbName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Compression fromDb(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }

  /** {@code src[0, len)} compressed as one independent frame. */
  public byte[] compress(byte[] src, int len) {
    return switch (this) {
      case NONE -> java.util.Arrays.copyOf(src, len);
      case ZSTD -> {
        byte[] out = new byte[(int) Zstd.compressBound(len)];
        long n = Zstd.compressByteArray(out, 0, out.length, src, 0, len, ZSTD_LEVEL);
        if (Zstd.isError(n)) {
          throw new IllegalStateException("zstd: " + Zstd.getErrorName(n));
        }
        yield java.util.Arrays.copyOf(out, (int) n);
      }
      case LZ4 -> {
        LZ4Compressor c = LZ4_FACTORY.fastCompressor();
        byte[] out = new byte[c.maxCompressedLength(len)];
        int n = c.compress(src, 0, len, out, 0, out.length);
        yield java.util.Arrays.copyOf(out, n);
      }
    };
  }

  /**
   * One frame {@code src[0, srcLen)} back to its {@code originalLen} bytes, into {@code out}
   * (at least that long). A frame that does not decode to exactly that many bytes is an error.
   */
  public void decompress(byte[] src, int srcLen, byte[] out, int originalLen) throws IOException {
    switch (this) {
      case NONE -> {
        if (srcLen != originalLen) {
          throw new IOException("frame is " + srcLen + " bytes, expected " + originalLen);
        }
        System.arraycopy(src, 0, out, 0, srcLen);
      }
      case ZSTD -> {
        long n;
        try {
          n = Zstd.decompressByteArray(out, 0, originalLen, src, 0, srcLen);
        } catch (RuntimeException e) {
          throw new IOException("zstd frame does not decode: " + e.getMessage(), e);
        }
        if (Zstd.isError(n) || n != originalLen) {
          throw new IOException("zstd frame does not decode to " + originalLen + " bytes"
              + (Zstd.isError(n) ? ": " + Zstd.getErrorName(n) : ""));
        }
      }
      case LZ4 -> {
        LZ4FastDecompressor d = LZ4_FACTORY.fastDecompressor();
        try {
          int read = d.decompress(src, 0, out, 0, originalLen);
          if (read != srcLen) {
            throw new IOException("lz4 frame is " + srcLen + " bytes, decoded " + read);
          }
        } catch (net.jpountz.lz4.LZ4Exception e) {
          throw new IOException("lz4 frame does not decode: " + e.getMessage(), e);
        }
      }
    }
  }
}
