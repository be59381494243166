package dev.forgeupload.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StreamLimitsTest {

  @Test
  void owners_and_addresses_are_capped_apart_and_released_slots_are_free_again() {
    StreamLimits l = new StreamLimits(2, 3);
    assertThat(l.tryAcquire("ann", "10.0.0.1")).isNull();
    assertThat(l.tryAcquire("ann", "10.0.0.2")).isNull();
    assertThat(l.tryAcquire("ann", "10.0.0.3")).isEqualTo(StreamLimits.Refusal.OWNER);
    assertThat(l.tryAcquire("ben", "10.0.0.1")).isNull();
    assertThat(l.tryAcquire("cid", "10.0.0.1")).isNull();
    assertThat(l.tryAcquire("dan", "10.0.0.1")).isEqualTo(StreamLimits.Refusal.ADDRESS);
    // a refusal counts nothing
    assertThat(l.total()).isEqualTo(4);
    assertThat(l.owner("dan")).isZero();
    l.release("ben", "10.0.0.1");
    assertThat(l.tryAcquire("dan", "10.0.0.1")).isNull();
    l.release("ann", "10.0.0.2");
    assertThat(l.tryAcquire("ann", "10.0.0.2")).isNull();
    assertThat(l.owner("ann")).isEqualTo(2);
    assertThat(l.address("10.0.0.1")).isEqualTo(3);
  }

  @Test
  void without_an_owner_only_the_address_counts_and_zero_is_no_cap() {
    StreamLimits open = new StreamLimits(1, 2); // FORGE_AUTH=none: no subject
    assertThat(open.tryAcquire(null, "127.0.0.1")).isNull();
    assertThat(open.tryAcquire(null, "127.0.0.1")).isNull();
    assertThat(open.tryAcquire(null, "127.0.0.1")).isEqualTo(StreamLimits.Refusal.ADDRESS);
    open.release(null, "127.0.0.1");
    assertThat(open.address("127.0.0.1")).isEqualTo(1);

    StreamLimits none = new StreamLimits(0, 0);
    for (int i = 0; i < 10_000; i++) {
      assertThat(none.tryAcquire("ann", "127.0.0.1")).isNull();
    }
    assertThat(none.total()).isEqualTo(10_000);
  }
}
