package dev.forgeupload.core;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** A tus {@code Upload-Checksum} value: algorithm and expected digest bytes. */
public record Checksum(String algorithm, byte[] expected) {
  private static final Map<String, String> JAVA_NAMES =
      Map.of("md5", "MD5", "sha1", "SHA-1", "sha256", "SHA-256", "sha384", "SHA-384", "sha512",
          "SHA-512");

  /** Algorithms in the order they are advertised. */
  public static final List<String> SUPPORTED = List.of("md5", "sha1", "sha256", "sha384", "sha512");

  /** Parses {@code "<alg> <base64>"}; 400 for malformed or unsupported values. */
  public static Checksum parse(String header) {
    String h = header.strip();
    int space = h.indexOf(' ');
    if (space <= 0) {
      throw UploadException.badRequest("Upload-Checksum must be '<algorithm> <base64 digest>'");
    }
    String alg = h.substring(0, space);
    if (!JAVA_NAMES.containsKey(alg)) {
      throw UploadException.badRequest(
          "Upload-Checksum algorithm '" + alg + "' is not supported; use one of " + SUPPORTED);
    }
    byte[] digest;
    try {
      digest = Base64.getDecoder().decode(h.substring(space + 1).strip());
    } catch (IllegalArgumentException e) {
      throw UploadException.badRequest("Upload-Checksum digest is not valid base64");
    }
    if (digest.length != newDigest(alg).getDigestLength()) {
      throw UploadException.badRequest("Upload-Checksum digest has the wrong length for " + alg);
    }
    return new Checksum(alg, digest);
  }

  /** A fresh digest of every supported algorithm, by tus name. */
  static Map<String, MessageDigest> allDigests() {
    Map<String, MessageDigest> m = new java.util.LinkedHashMap<>();
    for (String alg : SUPPORTED) {
      m.put(alg, newDigest(alg));
    }
    return m;
  }

  public MessageDigest newDigest() {
    return newDigest(algorithm);
  }

  public boolean matches(byte[] actual) {
    return MessageDigest.isEqual(expected, actual);
  }

  private static MessageDigest newDigest(String alg) {
    try {
      return MessageDigest.getInstance(JAVA_NAMES.get(alg));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
