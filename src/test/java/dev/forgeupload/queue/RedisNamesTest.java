package dev.forgeupload.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RedisNamesTest {
  private static final UUID UPLOAD = UUID.fromString("2f1c7d4e-9a0b-4c3d-8e5f-60718293a4b5");

  @Test
  void every_name_is_under_the_prefix_and_the_group_names_the_database() {
    String id = "0123456789abcdef";
    for (RedisNames n : List.of(RedisNames.of(null, id), RedisNames.of("prod", id))) {
      assertThat(List.of(n.jobs(), n.workers(), n.pending(UPLOAD), n.events(), n.rate("addr:x")))
          .allMatch(name -> name.startsWith(n.prefix() + ":"))
          .doesNotHaveDuplicates();
      assertThat(n.workers()).endsWith(id);
    }
    assertThat(RedisNames.of(null, id).prefix()).isEqualTo("forge-" + id);
    assertThat(RedisNames.of("prod", id).jobs()).isEqualTo("prod:jobs");
    // one prefix, two databases: one stream, two groups
    RedisNames a = RedisNames.of("shared", "aaaaaaaaaaaaaaaa");
    RedisNames b = RedisNames.of("shared", "bbbbbbbbbbbbbbbb");
    assertThat(a.jobs()).isEqualTo(b.jobs());
    assertThat(a.workers()).isNotEqualTo(b.workers());
  }
}
