package dev.forgeupload.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embedded servers run as child processes; a parent killed with SIGKILL leaves them running on
 * the data directory. Before starting one, stop the one a pid file names, if it is still alive
 * and is what we think it is.
 */
final class Orphans {
  private static final Logger log = LoggerFactory.getLogger(Orphans.class);

  private Orphans() {}

  static void stop(Path pidFile, String commandContains) throws IOException {
    if (!Files.exists(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    if (lines.isEmpty()) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> ph = ProcessHandle.of(pid);
    if (ph.isEmpty() || !ph.get().isAlive()) {
      return;
    }
    String cmd =
        ph.get().info().commandLine().or(() -> ph.get().info().command()).orElse("");
    if (!cmd.contains(commandContains)) {
      return;
    }
    log.warn("EmbeddedOrphan pid={} kind={}: stopping what a previous run left", pid,
        commandContains);
    ph.get().destroy();
    try {
      ph.get().onExit().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      ph.get().destroyForcibly();
    }
  }

  static void write(Path pidFile, long pid) throws IOException {
    Files.writeString(pidFile, pid + "\n", StandardCharsets.UTF_8);
  }

  static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
