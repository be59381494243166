package dev.forgeupload.sync;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.LongConsumer;

/** One read of a source file: every byte through SHA-256 and a counter, progress as it goes. */
final class ReadPass extends FilterInputStream {
  private static final long PROGRESS_STEP = 1 << 20;

  private final MessageDigest sha = sha256();
  private final LongConsumer progress;
  private long count;
  private long reported;

  ReadPass(InputStream in, LongConsumer progress) {
    super(in);
    this.progress = progress;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      sha.update((byte) b);
      advance(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    int n = in.read(buf, off, len);
    if (n > 0) {
      sha.update(buf, off, n);
      advance(n);
    }
    return n;
  }

  @Override
  public long skip(long n) {
    return 0; // every byte must pass the digest
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private void advance(long n) {
    count += n;
    if (count - reported >= PROGRESS_STEP) {
      reported = count;
      progress.accept(count);
    }
  }

  long count() {
    return count;
  }

  String sha256Hex() {
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Reads {@code in} to its end and returns its SHA-256 (hex). */
  static String digest(InputStream in) throws IOException {
    try (ReadPass p = new ReadPass(in, n -> {})) {
      p.transferTo(java.io.OutputStream.nullOutputStream());
      return p.sha256Hex();
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
