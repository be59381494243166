package dev.forgeupload.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SignerTest {

  /** The signing example of the Standard Webhooks reference libraries. */
  @Test
  void signs_the_reference_example_as_the_spec_libraries_do() {
    byte[] key = Base64.getDecoder().decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    String sig = new Signer(key).sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L,
        "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));
    assertThat(sig).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  }

  @Test
  void id_timestamp_and_body_each_change_the_signature() {
    Signer s = new Signer(new byte[24]);
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    String base = s.sign("a", 1, body);
    assertThat(s.sign("b", 1, body)).isNotEqualTo(base);
    assertThat(s.sign("a", 2, body)).isNotEqualTo(base);
    assertThat(s.sign("a", 1, "{ }".getBytes(StandardCharsets.UTF_8))).isNotEqualTo(base);
    byte[] other = new byte[24];
    other[23] = 1;
    assertThat(new Signer(other).sign("a", 1, body)).isNotEqualTo(base);
  }
}
