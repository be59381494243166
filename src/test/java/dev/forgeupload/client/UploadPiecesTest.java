package dev.forgeupload.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.client.FingerprintStore.Part;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The small pure pieces of the upload command: sizes, the endpoint, part ranges, backoff. */
class UploadPiecesTest {

  @Test
  void sizes_take_binary_suffixes() {
    UploadCommand.Sizes s = new UploadCommand.Sizes();
    assertThat(s.convert("1000")).isEqualTo(1000);
    assertThat(s.convert("64k")).isEqualTo(65536);
    assertThat(s.convert("2M")).isEqualTo(2L << 20);
    assertThat(s.convert("1g")).isEqualTo(1L << 30);
    assertThatThrownBy(() -> s.convert("1.5m"))
        .isInstanceOf(CommandLine.TypeConversionException.class);
    assertThatThrownBy(() -> s.convert("-1"))
        .isInstanceOf(CommandLine.TypeConversionException.class);
    assertThatThrownBy(() -> s.convert("999999999999999999t"))
        .isInstanceOf(CommandLine.TypeConversionException.class);
  }

  @Test
  void the_endpoint_is_the_servers_files_folder_unless_the_url_names_it() {
    UploadCommand c = new UploadCommand();
    c.spec = new CommandLine(c).getCommandSpec();
    assertThat(c.endpoint("http://127.0.0.1:8080")).hasToString("http://127.0.0.1:8080/files/");
    assertThat(c.endpoint("http://h:1/")).hasToString("http://h:1/files/");
    assertThat(c.endpoint("https://h/forge")).hasToString("https://h/forge/files/");
    assertThat(c.endpoint("https://h/forge/files")).hasToString("https://h/forge/files/");
    assertThat(c.endpoint("https://h/files/")).hasToString("https://h/files/");
    for (String bad : List.of("ftp://h/", "127.0.0.1:8080", "http://h/?x=1", "not a url")) {
      assertThatThrownBy(() -> c.endpoint(bad))
          .as(bad)
          .isInstanceOf(CommandLine.ParameterException.class);
    }
  }

  @Test
  void ranges_cover_the_file_in_order_without_gaps() {
    assertThat(FileUpload.ranges(10, 3))
        .containsExactly(new Part(0, 4, null), new Part(4, 8, null), new Part(8, 10, null));
    assertThat(FileUpload.ranges(9, 3))
        .containsExactly(new Part(0, 3, null), new Part(3, 6, null), new Part(6, 9, null));
    List<Part> big = FileUpload.ranges((5L << 20) + 1, 4);
    assertThat(big).hasSize(4);
    assertThat(big.get(0).start()).isZero();
    assertThat(big.get(3).end()).isEqualTo((5L << 20) + 1);
    for (int i = 1; i < big.size(); i++) {
      assertThat(big.get(i).start()).isEqualTo(big.get(i - 1).end());
    }
  }

  @Test
  void backoff_doubles_from_half_a_second_to_thirty_with_jitter() {
    for (int n = 0; n < 20; n++) {
      long base = Math.min(30_000, 500L << Math.min(n, 16));
      assertThat(Backoff.delayMillis(n)).as("retry %d", n + 1)
          .isBetween((long) (base * 0.8), Math.min(30_000, (long) (base * 1.2)));
    }
  }

  @Test
  void backoff_gives_up_after_the_retries_and_at_once_on_a_final_answer() throws Exception {
    Backoff b = new Backoff(0, note -> {});
    TusException network = TusException.network("PATCH x", new java.io.IOException("reset"));
    assertThatThrownBy(() -> b.failed(network)).isSameAs(network);
    Backoff patient = new Backoff(5, note -> {});
    TusException refused = TusException.fatal("no");
    assertThatThrownBy(() -> patient.failed(refused)).isSameAs(refused);
  }
}
