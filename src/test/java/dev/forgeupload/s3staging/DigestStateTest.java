package dev.forgeupload.s3staging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.junit.jupiter.api.Test;

class DigestStateTest {

  @Test
  void a_hash_continued_from_saved_states_equals_the_hash_of_the_whole() throws Exception {
    Random r = new Random(3);
    for (int round = 0; round < 50; round++) {
      byte[] data = new byte[r.nextInt(300_000)];
      r.nextBytes(data);
      byte[] state = DigestState.encode(DigestState.fresh());
      int at = 0;
      while (at < data.length) {
        int n = Math.min(data.length - at, 1 + r.nextInt(70_000));
        SHA256Digest d = DigestState.decode(state); // a new node each time
        d.update(data, at, n);
        state = DigestState.encode(d);
        at += n;
      }
      String expected =
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
      assertThat(DigestState.hex(state)).isEqualTo(expected);
    }
  }

  @Test
  void hex_leaves_the_state_usable() {
    SHA256Digest d = DigestState.fresh();
    d.update(new byte[] {1, 2, 3}, 0, 3);
    byte[] state = DigestState.encode(d);
    String first = DigestState.hex(state);
    assertThat(DigestState.hex(state)).isEqualTo(first);
  }

  @Test
  void the_empty_state_is_the_hash_of_nothing() {
    assertThat(DigestState.hex(new byte[0]))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void garbage_is_not_a_state() {
    assertThatThrownBy(() -> DigestState.decode(new byte[] {1, 2, 3}))
        .isInstanceOf(IllegalStateException.class);
  }
}
