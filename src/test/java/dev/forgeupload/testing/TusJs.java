package dev.forgeupload.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * The real tus-js-client (Node build) from webapp/node_modules, one upload per process
 * (src/test/node/tus-js-upload.mjs).
 */
public final class TusJs {
  private static final Path WEBAPP = Path.of(System.getProperty("user.dir"), "webapp");
  private static final Path SCRIPT =
      Path.of(System.getProperty("user.dir"), "src", "test", "node", "tus-js-upload.mjs");
  private static boolean installed;

  private TusJs() {}

  /** Uploads {@code file}; returns the upload URL (asserting success). */
  public static String upload(Path file, String endpoint, String token, int parallel, int chunk)
      throws IOException, InterruptedException {
    return upload(file, endpoint, token, parallel, chunk, null);
  }

  /** The same, resuming a parallel upload from {@code resumeParts} (space-separated URLs). */
  public static String upload(
      Path file, String endpoint, String token, int parallel, int chunk, String resumeParts)
      throws IOException, InterruptedException {
    installOnce();
    ProcessBuilder pb =
        new ProcessBuilder(
            "node", SCRIPT.toString(), WEBAPP.toString(), file.toString(), endpoint,
            Integer.toString(parallel), Integer.toString(chunk));
    if (token != null) {
      pb.environment().put("FORGE_TOKEN", token);
    }
    if (resumeParts != null) {
      pb.environment().put("FORGE_RESUME_PARTS", resumeParts);
    }
    pb.redirectErrorStream(true);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("tus-js-client did not finish within 120 s");
    }
    String printed = new String(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("tus-js-client (parallelUploads=%d): %s", parallel, printed)
        .isZero();
    String last = printed.strip().lines().reduce((a, b) -> b).orElse("");
    JsonNode json = new ObjectMapper().readTree(last);
    return json.path("url").asText();
  }

  /**
   * {@code npm ci} in webapp/ when its node_modules lack tus-js-client (as scripts/test-ui), once
   * per machine at a time: parallel test forks take a file lock first.
   */
  private static synchronized void installOnce() throws IOException, InterruptedException {
    if (installed) {
      return;
    }
    Path lockFile = ServerProcess.targetDir().resolve("npm-ci.lock");
    Files.createDirectories(lockFile.getParent());
    try (FileChannel ch =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock ignored = ch.lock()) {
      if (!Files.isDirectory(WEBAPP.resolve("node_modules/tus-js-client"))) {
        Process p =
            new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
                .directory(WEBAPP.toFile())
                .redirectErrorStream(true)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
          throw new AssertionError(
              "npm ci in webapp/ failed: " + new String(out, StandardCharsets.UTF_8));
        }
      }
    }
    installed = true;
  }
}
