package dev.forgeupload.staging;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes the names of newly created files in one directory durable (fsync of the directory), one
 * fsync for every file created before it started: a caller that created a file takes a ticket,
 * and {@link #await} returns once a directory fsync that began after the ticket has finished. At
 * most one runs at a time; callers that arrive meanwhile share the next one (group commit).
 */
final class DirectorySync {
  private final Path dir;
  private long created; // tickets handed out
  private long synced; // every ticket up to this one is durable
  private boolean running;

  DirectorySync(Path dir) {
    this.dir = dir;
  }

  /** Call after a file was created in the directory; pass the ticket to {@link #await}. */
  synchronized long created() {
    return ++created;
  }

  /** {@link #created}, as the writer of the new file holds it. */
  NewName createdName() {
    return new NewName(this, created());
  }

  /**
   * The name of a file a writer created, made durable by the writer's first force; {@link #NONE}
   * for a file it only opened.
   */
  static final class NewName {
    static final NewName NONE = new NewName(null, 0);

    private final DirectorySync sync;
    private volatile long ticket; // 0 once durable

    private NewName(DirectorySync sync, long ticket) {
      this.sync = sync;
      this.ticket = ticket;
    }

    /** Returns once the name is durable: waits the first time only. */
    void awaitDurable() throws IOException {
      long t = ticket;
      if (t != 0) {
        sync.await(t);
        ticket = 0;
      }
    }
  }

  /** Returns once the directory entry of ticket's file is durable. */
  void await(long ticket) throws IOException {
    long target;
    synchronized (this) {
      while (true) {
        if (synced >= ticket) {
          return;
        }
        if (!running) {
          running = true;
          target = created; // every file created so far exists now: this fsync covers them
          break;
        }
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for the staging directory's fsync");
        }
      }
    }
    boolean ok = false;
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
      ok = true;
    } finally {
      synchronized (this) {
        running = false;
        if (ok) {
          synced = Math.max(synced, target);
        }
        notifyAll();
      }
    }
  }
}
