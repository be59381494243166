package dev.forgeupload.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first start on a new machine, as {@code scripts/run} starts it (the memory caps of {@code
 * scripts/java-opts}): the embedded PostgreSQL's binaries are not unpacked yet. Its library
 * unpacks them all at once through asynchronous file writes, each a temporary direct buffer of a
 * whole file (~50 MiB in all); under a 32 MiB direct-memory cap the write thread died of an
 * OutOfMemoryError and the start-up waited for it forever. A fresh {@code java.io.tmpdir} gives
 * the server a machine that never unpacked them.
 */
class FirstStartIT {
  @TempDir Path tmp;

  @Test
  void a_server_with_the_scripts_memory_caps_unpacks_its_database_and_takes_an_upload()
      throws Exception {
    Path freshTmp = Files.createDirectories(tmp.resolve("java-tmp"));
    try (ServerProcess server =
        ServerProcess.startAsScriptsRun("first-start", tmp.resolve("data"),
            Map.of("FORGE_WORKER_CONCURRENCY", "0"), List.of("-Djava.io.tmpdir=" + freshTmp))) {
      assertThat(freshTmp.resolve("embedded-pg"))
          .as("this start unpacked the embedded PostgreSQL itself")
          .isDirectory();
      TusHttp tus = new TusHttp(server.baseUrl());
      byte[] data = TestData.randomBytes(1 << 20, 7);
      String url = tus.upload(data, TestData.meta("first.bin", null));
      HttpResponse<byte[]> head = tus.head(url);
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.headers().firstValue("Upload-Offset"))
          .hasValue(Integer.toString(data.length));
      assertThat(server.logText()).doesNotContain("OutOfMemoryError");
    }
  }

  @Test
  void an_unpacking_that_cannot_finish_ends_the_start_up_with_a_reason_instead_of_hanging()
      throws Exception {
    Path freshTmp = Files.createDirectories(tmp.resolve("java-tmp"));
    // a cap below the largest file of the archive (a later option wins; ICU's data is ~27 MB)
    // makes the unpacking's write thread die every time, as the old 32 MiB cap did at times
    assertThatThrownBy(() -> ServerProcess.startAsScriptsRun("first-start-capped",
            tmp.resolve("data"), Map.of("FORGE_WORKER_CONCURRENCY", "0"),
            List.of("-Djava.io.tmpdir=" + freshTmp, "-XX:MaxDirectMemorySize=8m",
                "-Dforge.embedded.startSeconds=20")))
        .hasMessageContaining("exited with 1 before it was ready")
        .hasMessageContaining("the embedded PostgreSQL did not start within 20 s");
  }
}
