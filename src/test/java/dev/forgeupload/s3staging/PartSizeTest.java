package dev.forgeupload.s3staging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PartSizeTest {
  private static final long MIB = 1 << 20;

  @Test
  void small_uploads_use_the_5_mib_minimum() {
    assertThat(PartSize.choose(0, 10_000)).isEqualTo(5 * MIB);
    assertThat(PartSize.choose(1, 10_000)).isEqualTo(5 * MIB);
    assertThat(PartSize.choose(10_000 * 5 * MIB, 10_000)).isEqualTo(5 * MIB);
  }

  @Test
  void one_byte_more_than_fits_grows_the_part_by_one_mib() {
    assertThat(PartSize.choose(10_000 * 5 * MIB + 1, 10_000)).isEqualTo(6 * MIB);
  }

  @Test
  void a_thousand_part_limit_gives_larger_parts() {
    assertThat(PartSize.choose(10L * 1024 * MIB, 1_000)).isEqualTo(11 * MIB);
    assertThat(PartSize.choose(20 * MIB, 2)).isEqualTo(10 * MIB);
    assertThat(PartSize.choose(20 * MIB + 1, 2)).isEqualTo(11 * MIB);
  }

  @Test
  void every_size_fits_in_the_part_limit_and_no_smaller_mib_multiple_would() {
    Random r = new Random(12);
    for (int i = 0; i < 10_000; i++) {
      int maxParts = 1 + r.nextInt(10_000);
      long bytes = (long) (r.nextDouble() * Math.min(5e12, maxParts * (double) PartSize.MAX_BYTES));
      long part = PartSize.choose(bytes, maxParts);
      assertThat(part % MIB).isZero();
      assertThat(part).isGreaterThanOrEqualTo(PartSize.MIN_BYTES);
      assertThat(PartSize.partsFor(bytes, part)).as("%d bytes, %d parts", bytes, maxParts)
          .isLessThanOrEqualTo(maxParts);
      if (part > PartSize.MIN_BYTES) {
        assertThat(PartSize.partsFor(bytes, part - MIB)).isGreaterThan(maxParts);
      }
    }
  }

  @Test
  void more_than_5_gib_parts_are_refused() {
    assertThatThrownBy(() -> PartSize.choose(6L * 1024 * 1024 * MIB, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
