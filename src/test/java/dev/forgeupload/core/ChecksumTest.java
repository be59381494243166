package dev.forgeupload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ChecksumTest {

  @Test
  void parses_each_supported_algorithm_and_matches_the_digest() throws Exception {
    byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
    String[][] algs = {{"md5", "MD5"}, {"sha1", "SHA-1"}, {"sha256", "SHA-256"}, {"sha512", "SHA-512"}};
    for (String[] a : algs) {
      byte[] d = MessageDigest.getInstance(a[1]).digest(data);
      Checksum c = Checksum.parse(a[0] + " " + Base64.getEncoder().encodeToString(d));
      MessageDigest md = c.newDigest();
      md.update(data);
      assertThat(c.matches(md.digest())).as(a[0]).isTrue();
      assertThat(c.matches(new byte[d.length])).as(a[0]).isFalse();
    }
  }

  @Test
  void rejects_unknown_algorithms_bad_base64_and_wrong_lengths() {
    assertThatThrownBy(() -> Checksum.parse("crc32 AAAA")).hasMessageContaining("not supported");
    assertThatThrownBy(() -> Checksum.parse("sha1 %%%")).hasMessageContaining("base64");
    assertThatThrownBy(() -> Checksum.parse("sha1 AAAA")).hasMessageContaining("wrong length");
    assertThatThrownBy(() -> Checksum.parse("sha1")).hasMessageContaining("<algorithm>");
  }
}
