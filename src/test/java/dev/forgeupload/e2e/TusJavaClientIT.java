package dev.forgeupload.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import io.tus.java.client.TusClient;
import io.tus.java.client.TusURLMemoryStore;
import io.tus.java.client.TusURLStore;
import io.tus.java.client.TusUpload;
import io.tus.java.client.TusUploader;
import java.io.File;
import java.lang.reflect.Field;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real tus-java-client (0.5.1) against ForgeUpload: whole uploads in several chunk sizes,
 * and an upload abandoned mid-request then resumed by a new client from the same URL store. The
 * client always sends {@code Transfer-Encoding: chunked} PATCHes, and an extra empty PATCH at the
 * end, so these tests also cover chunked bodies and idempotent completion.
 */
class TusJavaClientIT {
  private static final int MIB = 1 << 20;
  private static final int SIZE = 20 * MIB;

  private static TestServer server;
  @TempDir static Path tmp;
  private static File file;
  private static String sourceSha;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start();
    byte[] data = TestData.randomBytes(SIZE, 42);
    sourceSha = TestData.sha256(data);
    file = tmp.resolve("source.bin").toFile();
    Files.write(file.toPath(), data);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static TusClient client(TusURLStore store) throws Exception {
    TusClient c = new TusClient();
    c.setUploadCreationURL(URI.create(server.filesUrl()).toURL());
    c.enableResuming(store);
    return c;
  }

  private static void uploadAll(TusUploader uploader) throws Exception {
    while (uploader.uploadChunk() > -1) {
      // keep going
    }
    uploader.finish();
  }

  private static void assertDownloadMatches(URL uploadUrl) {
    TusHttp http = new TusHttp(server.baseUrl());
    assertThat(http.offset(uploadUrl.toString())).isEqualTo(SIZE);
    TusHttp.Download d = http.download(uploadUrl.toString());
    assertThat(d.status()).isEqualTo(200);
    assertThat(d.length()).isEqualTo(SIZE);
    assertThat(d.sha256()).isEqualTo(sourceSha);
  }

  @Test
  void uploads20MiBInOneMiBChunks() throws Exception {
    TusClient c = client(new TusURLMemoryStore());
    TusUploader uploader = c.resumeOrCreateUpload(new TusUpload(file));
    uploader.setChunkSize(MIB);
    assertThat(uploader.getOffset()).isZero();
    uploadAll(uploader);
    assertThat(uploader.getOffset()).isEqualTo(SIZE);
    assertDownloadMatches(uploader.getUploadURL());
  }

  @Test
  void uploads20MiBWithDefaultChunkSize() throws Exception {
    TusClient c = client(new TusURLMemoryStore());
    TusUploader uploader = c.resumeOrCreateUpload(new TusUpload(file));
    uploadAll(uploader);
    assertThat(uploader.getOffset()).isEqualTo(SIZE);
    assertDownloadMatches(uploader.getUploadURL());
  }

  @Test
  void uploads20MiBInOnePatch() throws Exception {
    TusClient c = client(new TusURLMemoryStore());
    TusUploader uploader = c.resumeOrCreateUpload(new TusUpload(file));
    uploader.setChunkSize(MIB);
    uploader.setRequestPayloadSize(SIZE);
    uploadAll(uploader);
    assertDownloadMatches(uploader.getUploadURL());
  }

  @Test
  void abandonedUploadResumesFromServerOffsetWithNewClient() throws Exception {
    TusURLStore store = new TusURLMemoryStore();
    TusUploader first = client(store).resumeOrCreateUpload(new TusUpload(file));
    first.setChunkSize(MIB);
    first.setRequestPayloadSize(4 * MIB);
    // 6 chunks: the first PATCH (4 MiB) completes, the second is 2 MiB into its body.
    for (int i = 0; i < 6; i++) {
      assertThat(first.uploadChunk()).isEqualTo(MIB);
    }
    URL url = first.getUploadURL();
    UUID id = UUID.fromString(TusHttp.id(url.toString()));
    // Abandon: drop the connection in the middle of the second (chunked) PATCH.
    Field f = TusUploader.class.getDeclaredField("connection");
    f.setAccessible(true);
    ((HttpURLConnection) f.get(first)).disconnect();

    // The server notices the client went away, keeps what it received and releases the lock.
    Poll.until(
        "the abandoned PATCH to release its lock",
        Duration.ofSeconds(10),
        () -> LockRows.lockRow(server.databaseUrl(), id),
        r -> r.isEmpty());

    TusClient second = client(store); // same URL store: resumes, does not create
    TusUploader resumed = second.resumeOrCreateUpload(new TusUpload(file));
    assertThat(resumed.getUploadURL()).isEqualTo(url);
    long resumedFrom = resumed.getOffset();
    assertThat(resumedFrom)
        .as("resumes from the server's offset: the first PATCH and part of the abandoned one")
        .isGreaterThan(4L * MIB)
        .isLessThanOrEqualTo(6L * MIB);
    resumed.setChunkSize(MIB);
    uploadAll(resumed);
    assertThat(resumed.getOffset()).isEqualTo(SIZE);
    assertDownloadMatches(url);
  }
}
