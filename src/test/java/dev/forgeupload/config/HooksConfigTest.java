package dev.forgeupload.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.core.HookType;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HooksConfigTest {
  private static final String SECRET =
      "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);

  @Test
  void hooks_are_off_without_a_url_and_default_as_the_contract_says() {
    HooksConfig off = Config.fromEnv(Map.of()).hooks();
    assertThat(off.enabled()).isFalse();
    assertThat(off.sends(HookType.PRE_CREATE)).isFalse();

    HooksConfig on =
        Config.fromEnv(Map.of("FORGE_HOOKS_HTTP_URL", "http://127.0.0.1:9/hook",
            "FORGE_HOOKS_SECRET", SECRET)).hooks();
    assertThat(on.enabled()).isTrue();
    assertThat(on.events()).containsExactlyInAnyOrder(HookType.PRE_CREATE, HookType.POST_CREATE,
        HookType.POST_RECEIVE, HookType.POST_FINISH, HookType.POST_TERMINATE,
        HookType.POST_STORE);
    assertThat(on.progressInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(on.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(on.failReject()).isTrue();
    assertThat(on.retryWindow()).isEqualTo(Duration.ofHours(24));
    assertThat(on.forwardHeaders()).isEmpty();
    assertThat(on.secretKey()).hasSize(32);
  }

  @Test
  void every_variable_is_read() {
    HooksConfig h =
        Config.fromEnv(Map.of(
            "FORGE_HOOKS_HTTP_URL", "https://hooks.example.com/tus",
            "FORGE_HOOKS_SECRET", SECRET,
            "FORGE_HOOKS_EVENTS", "pre-finish, post-fail,pre-terminate",
            "FORGE_HOOKS_PROGRESS_SECONDS", "5",
            "FORGE_HOOKS_TIMEOUT_SECONDS", "3",
            "FORGE_HOOKS_FAIL", "allow",
            "FORGE_HOOKS_FORWARD_HEADERS", "Authorization, X-Tenant",
            "FORGE_HOOKS_RETRY_HOURS", "2")).hooks();
    assertThat(h.events())
        .containsExactlyInAnyOrder(HookType.PRE_FINISH, HookType.POST_FAIL, HookType.PRE_TERMINATE);
    assertThat(h.progressInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(h.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(h.failReject()).isFalse();
    assertThat(h.forwardHeaders()).containsExactly("Authorization", "X-Tenant");
    assertThat(h.retryWindow()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void a_bad_value_names_its_variable() {
    Map<String, String> url = Map.of("FORGE_HOOKS_SECRET", SECRET);
    assertThatThrownBy(() -> Config.fromEnv(with(url, "FORGE_HOOKS_HTTP_URL", "ftp://x/")))
        .hasMessageContaining("FORGE_HOOKS_HTTP_URL");
    assertThatThrownBy(() -> Config.fromEnv(with(url, "FORGE_HOOKS_HTTP_URL", "http://u:p@x/")))
        .hasMessageContaining("FORGE_HOOKS_HTTP_URL");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_HOOKS_HTTP_URL", "http://x/")))
        .hasMessageContaining("FORGE_HOOKS_SECRET is required");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_HOOKS_SECRET", "abc")))
        .hasMessageContaining("FORGE_HOOKS_SECRET").hasMessageContaining("whsec_");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_HOOKS_SECRET", "whsec_%%%")))
        .hasMessageContaining("FORGE_HOOKS_SECRET").hasMessageContaining("base64");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_HOOKS_SECRET",
            "whsec_" + Base64.getEncoder().encodeToString(new byte[16]))))
        .hasMessageContaining("at least 24 bytes");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_HOOKS_EVENTS", "post-upload")))
        .hasMessageContaining("FORGE_HOOKS_EVENTS").hasMessageContaining("post-upload");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_HOOKS_FAIL", "maybe")))
        .hasMessageContaining("FORGE_HOOKS_FAIL");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_HOOKS_TIMEOUT_SECONDS", "0")))
        .hasMessageContaining("FORGE_HOOKS_TIMEOUT_SECONDS");
    assertThatThrownBy(() -> Config.fromEnv(Map.of("FORGE_HOOKS_FORWARD_HEADERS", "Bad Name")))
        .hasMessageContaining("FORGE_HOOKS_FORWARD_HEADERS");
  }

  @Test
  void the_secret_never_appears_in_the_described_config() {
    Config c = Config.fromEnv(Map.of("FORGE_HOOKS_HTTP_URL", "http://127.0.0.1:9/h?token=abc",
        "FORGE_HOOKS_SECRET", SECRET));
    assertThat(c.describe().toString()).doesNotContain(SECRET.substring(6));
    assertThat(c.describe()).containsEntry("hooks_secret", "***");
    assertThat(Config.fromEnv(Map.of("FORGE_HOOKS_EVENTS", "none")).hooks().events()).isEmpty();
  }

  private static Map<String, String> with(Map<String, String> m, String k, String v) {
    java.util.HashMap<String, String> out = new java.util.HashMap<>(m);
    out.put(k, v);
    return out;
  }
}
