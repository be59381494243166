package dev.forgeupload.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Child servers in a session of their own, where {@code setsid} exists (Linux): Ctrl-C in a
 * terminal signals the whole foreground process group, and a redis-server or S3Proxy that got it
 * would stop at once, before the requests and workers still using it. Detached, they hear only
 * from us, in the order ForgeServer stops things. (PostgreSQL's pg_ctl detaches by itself.)
 * Without {@code setsid} they run as plain children.
 */
final class Detached {
  private static final Path SETSID = find();

  private Detached() {}

  private static Path find() {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
      Path p = Path.of(dir, "setsid");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /**
   * The command run through {@code setsid}: the child is not a process group leader, so setsid
   * makes the new session in the same process (no fork), and the pid we hold is the server's.
   */
  static List<String> command(List<String> command) {
    if (SETSID == null) {
      return command;
    }
    List<String> c = new ArrayList<>(command.size() + 1);
    c.add(SETSID.toString());
    c.addAll(command);
    return c;
  }

  /** SIGTERM, then SIGKILL after {@code seconds}. */
  static void stop(Process process, int seconds) {
    process.destroy();
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
