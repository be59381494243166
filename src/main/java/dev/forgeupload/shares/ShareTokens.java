package dev.forgeupload.shares;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Share link tokens: 256 random bits from {@link SecureRandom}, base64url without padding (43
 * characters). Only their SHA-256 is stored; a token's row is looked up by that hash, and the hash
 * found is compared again in constant time.
 */
public final class ShareTokens {
  static final int BYTES = 32;
  private static final Pattern FORM = Pattern.compile("[A-Za-z0-9_-]{43}");

  private final SecureRandom random;

  public ShareTokens(SecureRandom random) {
    this.random = random;
  }

  /** A new token (the only time it exists in clear: it goes to the caller, never to the store). */
  public String generate() {
    byte[] b = new byte[BYTES];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Has the token the form {@link #generate} gives? Anything else is not looked up at all. */
  public static boolean wellFormed(String token) {
    return token != null && FORM.matcher(token).matches();
  }

  /** The stored form: lower-case hex SHA-256 of the token's characters. */
  public static String hash(String token) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Constant-time equality of two stored hashes. */
  public static boolean sameHash(String a, String b) {
    if (a == null || b == null) {
      return false;
    }
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }
}
