package dev.forgeupload.staging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Page-cache residency as an operator reads it: util-linux's {@code fincore}. */
final class Fincore {
  private Fincore() {}

  /** Bytes of {@code file} in the page cache. */
  static long resident(Path file) throws Exception {
    Process p = new ProcessBuilder("fincore", "--bytes", "--noheadings", "--output", "RES",
        file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    assertThat(p.waitFor()).as("fincore: %s", out).isZero();
    return Long.parseLong(out);
  }
}
