package dev.forgeupload.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** Test bytes and their digests, shared by the end-to-end and pipeline tests. */
public final class TestData {
  private TestData() {}

  /** Deterministic, incompressible bytes. */
  public static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i += 8) {
      long v = r.nextLong();
      for (int k = 0; k < 8 && i + k < n; k++) {
        b[i + k] = (byte) (v >>> (8 * k));
      }
    }
    return b;
  }

  /** Base64 of the UTF-8 bytes: a tus metadata value. */
  public static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code filename <b64>} (and {@code ,filetype <b64>} when a type is given): Upload-Metadata. */
  public static String meta(String filename, String filetype) {
    String m = filename == null ? null : "filename " + b64(filename);
    if (filetype != null) {
      m = (m == null ? "" : m + ",") + "filetype " + b64(filetype);
    }
    return m;
  }

  /** The base64 digest a tus Upload-Checksum carries, for a tus algorithm name (sha1, md5...). */
  public static String checksum(String tusAlgorithm, byte[] data) {
    String java =
        switch (tusAlgorithm) {
          case "md5" -> "MD5";
          case "sha1" -> "SHA-1";
          case "sha256" -> "SHA-256";
          case "sha384" -> "SHA-384";
          case "sha512" -> "SHA-512";
          default -> throw new IllegalArgumentException(tusAlgorithm);
        };
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance(java).digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256(byte[] data) {
    return HexFormat.of().formatHex(sha256().digest(data));
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
