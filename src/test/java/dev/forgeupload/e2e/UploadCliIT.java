package dev.forgeupload.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code forgeupload upload} as its own process ({@code java -cp ... dev.forgeupload.Main upload},
 * what {@code scripts/run upload} runs) against a real server: folders with {@code --parallel 4}
 * arrive byte for byte (SHA-256 of the stored objects), {@code --pattern} picks files, a client
 * killed with SIGKILL mid-file resumes from the server's offset into the same upload, refused
 * files make the exit status 1, parallel parts join into one upload under a rate limit that
 * holds.
 */
class UploadCliIT {
  private static final int MIB = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration STORED = Duration.ofSeconds(60);

  private static TestServer server;
  private static TusHttp http;

  @TempDir Path tmp;

  private record Result(int exit, String out, String err) {
    JsonNode json() throws IOException {
      return JSON.readTree(out);
    }
  }

  @BeforeAll
  static void startServer() {
    server = TestServer.start();
    http = new TusHttp(server.baseUrl());
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private ProcessBuilder command(String... args) throws IOException {
    return commandWithHeap("256m", args);
  }

  private ProcessBuilder commandWithHeap(String heap, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx" + heap);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.forgeupload.Main");
    cmd.add("upload");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("FORGE_"));
    // the fingerprint store goes to the test's folder, never to the real home
    pb.environment().put("FORGE_UPLOAD_STATE_DIR", tmp.resolve("state").toString());
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return pb;
  }

  private Result run(String... args) throws Exception {
    return run(command(args));
  }

  private Result run(ProcessBuilder pb) throws Exception {
    Path out = Files.createTempFile(tmp, "cli", ".out");
    Path err = Files.createTempFile(tmp, "cli", ".err");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("upload hung: " + String.join(" ", pb.command()) + "\n"
          + Files.readString(err));
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static Path write(Path file, byte[] bytes) throws IOException {
    Files.createDirectories(file.getParent());
    return Files.write(file, bytes);
  }

  /** The server's copy of an upload, once stored in S3: its SHA-256. */
  private static String storedSha256(String id) {
    http.awaitStored(id, STORED);
    TusHttp.Download d = http.download("/api/v1/uploads/" + id + "/content");
    assertThat(d.status()).as("download of %s", id).isEqualTo(200);
    return d.sha256();
  }

  /** Every upload on the server whose filename contains {@code name}. */
  private static List<JsonNode> uploadsNamed(String name) {
    JsonNode list = http.getJson(
        "/api/v1/uploads?limit=500&q=" + URLEncoder.encode(name, StandardCharsets.UTF_8));
    List<JsonNode> items = new ArrayList<>();
    list.get("items").forEach(items::add);
    return items;
  }

  @Test
  void a_folder_with_parallel_4_arrives_byte_for_byte_and_a_rerun_sends_nothing()
      throws Exception {
    String tag = UUID.randomUUID().toString().substring(0, 8);
    Path root = tmp.resolve("tree-" + tag);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("a-" + tag + ".bin", TestData.randomBytes(MIB + 3, 1));
    files.put("empty-" + tag + ".bin", new byte[0]);
    files.put("sub/b-" + tag + ".bin", TestData.randomBytes(300_000, 2));
    files.put("sub/deep/c-" + tag + ".bin", TestData.randomBytes(2 * MIB, 3));
    files.put("sub/deep/d-" + tag + ".csv", "x,y\n1,2\n".getBytes(StandardCharsets.UTF_8));
    files.put("sub/e-" + tag + ".csv",
        "k,v\n".repeat(20_000).getBytes(StandardCharsets.UTF_8));
    files.put("f-" + tag + ".txt", "hello\n".getBytes(StandardCharsets.UTF_8));
    files.put("sub/deep/deeper/g-" + tag + ".bin", TestData.randomBytes(5, 5));
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      write(root.resolve(f.getKey()), f.getValue());
    }

    Result r = run("--server", server.baseUrl(), "--parallel", "4", "--json", root.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode doc = r.json();
    assertThat(doc.get("uploaded").asInt()).isEqualTo(files.size());
    assertThat(doc.get("failed").asInt()).isZero();
    assertThat(doc.get("files")).hasSize(files.size());
    Set<String> ids = new HashSet<>();
    for (JsonNode f : doc.get("files")) {
      String rel = root.relativize(Path.of(f.get("path").asText())).toString();
      byte[] source = files.get(rel);
      assertThat(source).as("reported path %s", f.get("path")).isNotNull();
      assertThat(f.get("state").asText()).isEqualTo("uploaded");
      assertThat(f.get("url").asText()).startsWith(server.filesUrl()).endsWith(f.get("id").asText());
      assertThat(f.get("resumed_from").asLong()).isZero();
      assertThat(f.get("sent_bytes").asLong()).isEqualTo(source.length);
      assertThat(storedSha256(f.get("id").asText())).as(rel).isEqualTo(TestData.sha256(source));
      assertThat(http.uploadJson(f.get("id").asText()).get("filename").asText())
          .isEqualTo(Path.of(rel).getFileName().toString());
      ids.add(f.get("id").asText());
    }
    assertThat(ids).hasSize(files.size());
    assertThat(r.err()).contains("start   ").contains("done    ")
        .contains(files.size() + " of " + files.size() + " files uploaded");

    // the same command again: every file is found complete, nothing is sent, no upload is added
    Result again = run("--server", server.baseUrl(), "--parallel", "4", root.toString());
    assertThat(again.exit()).as(again.err()).isZero();
    List<String> urls = again.out().lines().toList();
    assertThat(urls).hasSize(files.size());
    List<String> first = new ArrayList<>();
    doc.get("files").forEach(f -> first.add(f.get("url").asText()));
    assertThat(urls).as("stdout: one URL a line, in the order of the files").isEqualTo(first);
    assertThat(again.err()).contains("0 B sent");
    assertThat(uploadsNamed(tag)).hasSize(files.size());
  }

  @Test
  void pattern_picks_files_below_the_folder_and_double_star_slash_matches_zero_folders()
      throws Exception {
    String tag = UUID.randomUUID().toString().substring(0, 8);
    Path root = tmp.resolve("pattern-" + tag);
    write(root.resolve("top-" + tag + ".csv"), "a\n".getBytes(StandardCharsets.UTF_8));
    write(root.resolve("x/mid-" + tag + ".csv"), "b\n".getBytes(StandardCharsets.UTF_8));
    write(root.resolve("x/y/low-" + tag + ".csv"), "c\n".getBytes(StandardCharsets.UTF_8));
    write(root.resolve("x/skip-" + tag + ".txt"), "d\n".getBytes(StandardCharsets.UTF_8));
    write(root.resolve("skip-" + tag + ".csv.bak"), "e\n".getBytes(StandardCharsets.UTF_8));
    Path direct = write(tmp.resolve("direct-" + tag + ".txt"),
        "named on the command line\n".getBytes(StandardCharsets.UTF_8));

    Result r = run("--server", server.baseUrl(), "--pattern", "**/*.csv", root.toString(),
        direct.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    List<String> urls = r.out().lines().toList();
    assertThat(urls).hasSize(4).allMatch(u -> u.startsWith(server.filesUrl()));
    Set<String> names = new HashSet<>();
    for (JsonNode u : uploadsNamed(tag)) {
      names.add(u.get("filename").asText());
    }
    assertThat(names).containsExactlyInAnyOrder("top-" + tag + ".csv", "mid-" + tag + ".csv",
        "low-" + tag + ".csv", "direct-" + tag + ".txt");
  }

  @Test
  void killed_mid_file_the_same_command_resumes_the_same_upload_from_the_servers_offset()
      throws Exception {
    String name = "resume-" + UUID.randomUUID() + ".bin";
    int size = 24 * MIB;
    byte[] data = TestData.randomBytes(size, 11);
    Path file = write(tmp.resolve(name), data);

    ProcessBuilder pb = command("--server", server.baseUrl(), "--limit-rate", "2m", "--json",
        file.toString());
    Path log = tmp.resolve("first.err");
    pb.redirectOutput(tmp.resolve("first.out").toFile()).redirectError(log.toFile());
    Process first = pb.start();
    long offsetBeforeKill;
    String id;
    try {
      // the server checkpoints a long PATCH every second: wait for 2 MiB on record
      JsonNode row = Poll.until("the first run's upload past 2 MiB", Duration.ofSeconds(90),
          () -> uploadsNamed(name).stream().findFirst().orElse(null),
          u -> u != null && u.get("offset").asLong() >= 2 * MIB);
      id = row.get("id").asText();
      assertThat(first.isAlive()).as("still sending: %s", Files.readString(log)).isTrue();
      first.toHandle().destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
      offsetBeforeKill = row.get("offset").asLong();
    } finally {
      first.destroyForcibly();
    }
    assertThat(first.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    long onServer = http.offset(server.filesUrl() + id);
    assertThat(onServer).as("the kill came mid-file").isGreaterThanOrEqualTo(offsetBeforeKill)
        .isLessThan(size);

    Result again = run("--server", server.baseUrl(), "--json", file.toString());
    assertThat(again.exit()).as(again.err()).isZero();
    JsonNode f = again.json().get("files").get(0);
    assertThat(f.get("id").asText()).as("the same upload, continued").isEqualTo(id);
    // the server may still commit what reached it before it saw the connection close
    long resumedFrom = f.get("resumed_from").asLong();
    assertThat(resumedFrom).isGreaterThan(0).isGreaterThanOrEqualTo(onServer).isLessThan(size);
    assertThat(f.get("sent_bytes").asLong()).isEqualTo(size - resumedFrom);
    assertThat(again.err()).contains("resume  " + file + " at " + resumedFrom);
    assertThat(uploadsNamed(name)).as("one upload for the file on the server").hasSize(1);
    assertThat(storedSha256(id)).isEqualTo(TestData.sha256(data));
    System.out.printf("UploadCliIT: killed at %d bytes on record (%d at HEAD), resumed from %d,"
        + " sent %d more%n", offsetBeforeKill, onServer, f.get("resumed_from").asLong(),
        f.get("sent_bytes").asLong());
  }

  @Test
  void a_refused_file_fails_the_run_with_exit_1_while_the_others_go_up() throws Exception {
    String tag = UUID.randomUUID().toString().substring(0, 8);
    Path root = tmp.resolve("refused-" + tag);
    byte[] good = TestData.randomBytes(100_000, 21);
    write(root.resolve("good-" + tag + ".bin"), good);
    // a shell script by name: the server refuses it when it is created (415)
    write(root.resolve("bad-" + tag + ".sh"), "echo hi\n".getBytes(StandardCharsets.UTF_8));

    Result r = run("--server", server.baseUrl(), "--json", root.toString());
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    JsonNode doc = r.json();
    assertThat(doc.get("uploaded").asInt()).isEqualTo(1);
    assertThat(doc.get("failed").asInt()).isEqualTo(1);
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    doc.get("files").forEach(f -> byName.put(Path.of(f.get("path").asText()).getFileName()
        .toString(), f));
    JsonNode bad = byName.get("bad-" + tag + ".sh");
    assertThat(bad.get("state").asText()).isEqualTo("failed");
    assertThat(bad.get("error").asText()).contains("415");
    assertThat(bad.get("url").isNull()).isTrue();
    JsonNode ok = byName.get("good-" + tag + ".bin");
    assertThat(ok.get("state").asText()).isEqualTo("uploaded");
    assertThat(storedSha256(ok.get("id").asText())).isEqualTo(TestData.sha256(good));
    assertThat(r.err()).contains("failed  " + root.resolve("bad-" + tag + ".sh"));

    // without --json: only the uploaded file's URL on stdout, still exit 1
    Result plain = run("--server", server.baseUrl(), root.toString());
    assertThat(plain.exit()).isEqualTo(1);
    assertThat(plain.out().lines().toList()).containsExactly(ok.get("url").asText());
  }

  @Test
  void no_server_there_fails_after_the_retries_with_exit_1() throws Exception {
    // a bound socket that never listens holds the port: refused, and no other test can take it
    Result r;
    int port;
    try (java.nio.channels.SocketChannel held = java.nio.channels.SocketChannel.open()) {
      held.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
      port = ((java.net.InetSocketAddress) held.getLocalAddress()).getPort();
      Path file = write(tmp.resolve("nowhere.bin"), TestData.randomBytes(1000, 31));
      r = run("--server", "http://127.0.0.1:" + port, "--retries", "2", "--json",
          file.toString());
    }
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    JsonNode f = r.json().get("files").get(0);
    assertThat(f.get("state").asText()).isEqualTo("failed");
    assertThat(f.get("error").asText()).contains("127.0.0.1:" + port);
    assertThat(r.err()).contains("retry 1/2").contains("retry 2/2");
  }

  @Test
  void parallel_parts_join_into_one_upload_and_the_rate_limit_holds() throws Exception {
    String name = "parts-" + UUID.randomUUID() + ".bin";
    int size = 6 * MIB + 12345;
    byte[] data = TestData.randomBytes(size, 41);
    Path file = write(tmp.resolve(name), data);

    Result r = run("--server", server.baseUrl(), "--parallel-parts", "3", "--limit-rate", "2m",
        "--json", file.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode doc = r.json();
    JsonNode f = doc.get("files").get(0);
    assertThat(f.get("parts").asInt()).isEqualTo(3);
    // 6 MiB at 2 MiB/s for all three parts together: 3 s, less the 0.1 s burst
    double seconds = doc.get("seconds").asDouble();
    assertThat(seconds).as("the run took %.2f s", seconds).isGreaterThanOrEqualTo(2.9);
    String id = f.get("id").asText();
    JsonNode upload = http.uploadJson(id);
    assertThat(upload.get("filename").asText()).isEqualTo(name);
    assertThat(upload.get("length").asLong()).isEqualTo(size);
    assertThat(storedSha256(id)).isEqualTo(TestData.sha256(data));
    assertThat(uploadsNamed(name)).as("the parts carry no name; the final does").hasSize(1);
    System.out.printf("UploadCliIT: %d bytes in 3 parts at 2 MiB/s took %.2f s%n", size, seconds);
  }

  @Test
  void killed_mid_parts_the_same_command_resumes_every_part_and_joins_them_once()
      throws Exception {
    String name = "parts-resume-" + UUID.randomUUID() + ".bin";
    int size = 12 * MIB;
    byte[] data = TestData.randomBytes(size, 61);
    Path file = write(tmp.resolve(name), data);
    Path store = tmp.resolve("state").resolve("uploads");

    ProcessBuilder pb = command("--server", server.baseUrl(), "--parallel-parts", "3",
        "--limit-rate", "3m", file.toString());
    Path log = tmp.resolve("parts-first.err");
    pb.redirectOutput(tmp.resolve("parts-first.out").toFile()).redirectError(log.toFile());
    Process first = pb.start();
    long before;
    try {
      // the parts' URLs are in the fingerprint store; the server checkpoints each part's PATCH
      before = Poll.until("3 MiB of the parts on record", Duration.ofSeconds(90),
          () -> partOffsets(store), sum -> sum >= 3L * MIB);
      first.toHandle().destroyForcibly();
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      first.destroyForcibly();
    }
    assertThat(uploadsNamed(name)).as("no final upload yet").isEmpty();

    Result again = run("--server", server.baseUrl(), "--parallel-parts", "3", "--json",
        file.toString());
    assertThat(again.exit()).as(again.err()).isZero();
    JsonNode f = again.json().get("files").get(0);
    assertThat(f.get("parts").asInt()).isEqualTo(3);
    assertThat(f.get("resumed_from").asLong()).isGreaterThanOrEqualTo(before);
    assertThat(f.get("sent_bytes").asLong()).isEqualTo(size - f.get("resumed_from").asLong());
    assertThat(uploadsNamed(name)).as("one final upload").hasSize(1);
    assertThat(storedSha256(f.get("id").asText())).isEqualTo(TestData.sha256(data));
  }

  /** The sum of the server's offsets of the parts recorded in the fingerprint store so far. */
  private static long partOffsets(Path store) {
    try (var entries = Files.list(store)) {
      long sum = 0;
      for (Path e : entries.filter(p -> p.toString().endsWith(".json")).toList()) {
        JsonNode parts = JSON.readTree(e.toFile()).get("parts");
        if (parts == null) {
          continue;
        }
        for (JsonNode p : parts) {
          if (p.hasNonNull("url")) {
            sum += http.offset(p.get("url").asText());
          }
        }
      }
      return sum;
    } catch (IOException e) {
      return 0; // not written yet
    }
  }

  @Test
  void a_file_three_times_the_clients_heap_streams_through() throws Exception {
    String name = "heap-" + UUID.randomUUID() + ".bin";
    int size = 96 * MIB;
    byte[] data = TestData.randomBytes(size, 51);
    Path file = write(tmp.resolve(name), data);
    String[] args = {"--server", server.baseUrl(), "--json", file.toString()};
    Result r = run(commandWithHeap("32m", args));
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode f = r.json().get("files").get(0);
    assertThat(f.get("sent_bytes").asLong()).isEqualTo(size);
    assertThat(storedSha256(f.get("id").asText())).isEqualTo(TestData.sha256(data));
    System.out.printf("UploadCliIT: %d MiB with a 32 MiB heap in %.2f s%n", size / MIB,
        r.json().get("seconds").asDouble());
  }

  @Test
  void a_token_from_the_environment_is_sent_and_written_down_nowhere() throws Exception {
    String secret = "cli-test-secret-".repeat(3);
    try (TestServer guarded =
        TestServer.start(Map.of("FORGE_AUTH", "token", "FORGE_AUTH_JWT_SECRET", secret))) {
      String token = jwt(secret, "carol");
      Path file = write(tmp.resolve("token.bin"), TestData.randomBytes(5000, 71));

      Result refused = run("--server", guarded.baseUrl(), "--json", file.toString());
      assertThat(refused.exit()).isEqualTo(1);
      assertThat(refused.json().get("files").get(0).get("error").asText()).contains("401");
      assertThat(refused.err()).as("a 401 is not retried").doesNotContain("retry ");

      ProcessBuilder pb = command("--server", guarded.baseUrl(), "--json", file.toString());
      pb.environment().put("FORGE_UPLOAD_TOKEN", token);
      Result ok = run(pb);
      assertThat(ok.exit()).as(ok.err()).isZero();
      String id = ok.json().get("files").get(0).get("id").asText();
      TusHttp carol = new TusHttp(guarded.baseUrl()).as(token);
      assertThat(carol.get("/api/v1/uploads/" + id).statusCode())
          .as("the upload is carol's").isEqualTo(200);
      assertThat(new TusHttp(guarded.baseUrl()).as(jwt(secret, "mallory"))
          .get("/api/v1/uploads/" + id).statusCode()).isEqualTo(404);

      assertThat(ok.out() + ok.err()).doesNotContain(token);
      try (var files = Files.walk(tmp.resolve("state"))) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          assertThat(Files.readString(f)).as("%s", f).doesNotContain(token);
        }
      }
    }
  }

  private static String jwt(String secret, String subject) throws Exception {
    var claims = new com.nimbusds.jwt.JWTClaimsSet.Builder()
        .subject(subject)
        .expirationTime(java.util.Date.from(java.time.Instant.now().plusSeconds(600)))
        .build();
    var signed = new com.nimbusds.jwt.SignedJWT(
        new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256), claims);
    signed.sign(new com.nimbusds.jose.crypto.MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
    return signed.serialize();
  }

  @Test
  void usage_errors_exit_2_and_upload_nothing() throws Exception {
    Path file = write(tmp.resolve("usage.bin"), new byte[] {1, 2, 3});
    String s = server.baseUrl();
    Result missing = run("--server", s, tmp.resolve("no-such-file").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("no such file or folder");
    Result escape = run("--server", s, "--pattern", "../*", tmp.toString());
    assertThat(escape.exit()).isEqualTo(2);
    assertThat(escape.err()).contains("'..'");
    Result rate = run("--server", s, "--limit-rate", "fast", file.toString());
    assertThat(rate.exit()).isEqualTo(2);
    assertThat(rate.err()).contains("not a size");
    assertThat(uploadsNamed("usage.bin")).isEmpty();
    assertThat(missing.out() + escape.out() + rate.out()).isEmpty();
  }
}
