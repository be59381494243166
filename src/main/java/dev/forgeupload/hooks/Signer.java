package dev.forgeupload.hooks;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures (standardwebhooks.com): {@code v1,} and the base64 HMAC-SHA256,
 * keyed with the secret's bytes, of {@code <webhook-id>.<webhook-timestamp>.<body>}.
 */
final class Signer {
  private final SecretKeySpec key;

  Signer(byte[] key) {
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
  }

  String sign(String id, long timestampSeconds, byte[] body) {
    Mac mac;
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e); // every JVM has HmacSHA256
    }
    mac.update((id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
    mac.update(body);
    return "v1," + Base64.getEncoder().encodeToString(mac.doFinal());
  }
}
