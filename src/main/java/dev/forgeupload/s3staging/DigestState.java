package dev.forgeupload.s3staging;

import java.util.HexFormat;
import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * The running SHA-256 of an upload as bytes: BouncyCastle's encoded state of a {@link
 * SHA256Digest}, saved with every checkpoint, so that any node continues the hash where the last
 * one stopped and nobody reads the object back to hash it.
 */
public final class DigestState {
  private DigestState() {}

  public static SHA256Digest fresh() {
    return new SHA256Digest();
  }

  public static byte[] encode(SHA256Digest d) {
    return d.getEncodedState();
  }

  /** The digest an encoded state describes; a state that is not one is an error. */
  public static SHA256Digest decode(byte[] state) {
    if (state == null || state.length == 0) {
      return new SHA256Digest();
    }
    try {
      return new SHA256Digest(state);
    } catch (RuntimeException e) {
      throw new IllegalStateException("not an encoded SHA-256 state (" + state.length + " bytes)",
          e);
    }
  }

  /** The hex SHA-256 of everything the state has seen (the state itself is left as it is). */
  public static String hex(byte[] state) {
    SHA256Digest d = decode(state);
    byte[] out = new byte[d.getDigestSize()];
    d.doFinal(out, 0);
    return HexFormat.of().formatHex(out);
  }
}
