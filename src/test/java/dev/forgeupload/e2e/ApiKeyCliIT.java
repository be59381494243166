package dev.forgeupload.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code forgeupload apikey create|list|revoke} as a separate process: stdout carries only the
 * key or the listing (logs go to stderr), so scripts can capture it; revoked keys are marked.
 * The first commands run on the embedded database, started per command on the data directory.
 */
class ApiKeyCliIT {
  private record Result(int exit, String out, String err) {}

  private static Result run(Path dataDir, String databaseUrl, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.forgeupload.Main");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("FORGE_"));
    env.put("FORGE_DATA_DIR", dataDir.toString());
    if (databaseUrl != null) {
      env.put("FORGE_DATABASE_URL", databaseUrl);
      env.put("FORGE_DATABASE_USER", "postgres");
    }
    Path out = Files.createTempFile("cli", ".out");
    Path err = Files.createTempFile("cli", ".err");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("apikey command hung: " + String.join(" ", args));
    }
    return new Result(p.exitValue(), read(out), read(err));
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  @Test
  void create_list_and_revoke_print_only_what_a_script_needs_on_stdout() throws Exception {
    Path dir = Files.createTempDirectory("cli-data");
    // no server and no FORGE_DATABASE_URL: each command starts the embedded database (which logs)
    String db = null;

    Result created = run(dir, db, "apikey", "create", "--owner", "zoe", "--scope", "admin",
        "--name", "ci");
    assertThat(created.exit()).as(created.err()).isZero();
    assertThat(created.out()).matches("fu_[A-Za-z0-9_-]{43}\n");
    assertThat(created.err()).contains("owner zoe scope admin");
    String id = created.err().replaceAll("(?s).*\\bid ([0-9a-f-]{36}).*", "$1");

    Result listed = run(dir, db, "apikey", "list");
    assertThat(listed.out().strip().lines()).singleElement().satisfies(line -> {
      assertThat(line).startsWith(id).contains("admin").contains("zoe").doesNotContain("revoked");
      assertThat(line).doesNotContain(created.out().strip());
    });

    db = TestDatabase.freshDatabaseUrl(); // the rest against a configured database: faster
    Result other = run(dir, db, "apikey", "create", "--owner", "zoe", "--scope", "admin",
        "--name", "ci");
    String otherId = other.err().replaceAll("(?s).*\\bid ([0-9a-f-]{36}).*", "$1");
    Result revoked = run(dir, db, "apikey", "revoke", otherId);
    assertThat(revoked.exit()).as(revoked.err()).isZero();
    assertThat(run(dir, db, "apikey", "list").out()).contains(otherId).contains("(revoked ");
    assertThat(run(dir, db, "apikey", "revoke", "00000000-0000-0000-0000-000000000000").exit())
        .isEqualTo(1);
    Result bad = run(dir, db, "apikey", "create", "--owner", "zoe", "--scope", "root");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("scope must be upload or admin");
    assertThat(bad.out()).isEmpty();
  }
}
