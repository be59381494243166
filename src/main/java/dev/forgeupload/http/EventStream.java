package dev.forgeupload.http;

import dev.forgeupload.auth.Principal;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One open {@code GET /api/v1/events}: an asynchronous response that holds no request thread.
 * Frames wait in a bounded queue; a small writer pool (and Jetty, through {@link
 * #onWritePossible}) drains it with non-blocking writes, so a client that does not read only fills
 * its own queue and then loses events; nobody else waits for it.
 */
final class EventStream implements WriteListener, AsyncListener {
  static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] HELLO = "retry: 2000\n\n".getBytes(StandardCharsets.UTF_8);
  /** Frames a stream may have waiting; more are dropped (the client catches up from the API). */
  static final int QUEUE_FRAMES = 256;

  final Principal principal;
  final String address;
  final long openedNanos = System.nanoTime();
  private final EventHub hub;
  private final AsyncContext async;
  private final ServletOutputStream out;
  private final Executor writer;
  private final AtomicBoolean released = new AtomicBoolean();

  // guarded by this
  private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
  private boolean drainQueued;
  private boolean unflushed;
  private boolean ended;
  private long dropped;

  private volatile long lastQueuedNanos = openedNanos;
  private volatile long lastProbeNanos = openedNanos - 1_000_000_000L;

  EventStream(
      EventHub hub, Principal principal, String address, AsyncContext async,
      ServletOutputStream out, Executor writer) {
    this.hub = hub;
    this.principal = principal;
    this.address = address;
    this.async = async;
    this.out = out;
    this.writer = writer;
    queue.add(HELLO); // written (with the response head) on the first onWritePossible
  }

  synchronized boolean isEnded() {
    return ended;
  }

  String owner() {
    return principal.subject();
  }

  /** Queues a frame for writing; false when it was dropped (queue full) or the stream ended. */
  boolean offer(byte[] frame) {
    synchronized (this) {
      if (ended) {
        return false;
      }
      if (queue.size() >= QUEUE_FRAMES) {
        dropped++;
        return false;
      }
      queue.add(frame);
      lastQueuedNanos = System.nanoTime();
      if (drainQueued) {
        return true;
      }
      drainQueued = true;
    }
    try {
      writer.execute(this::drain);
    } catch (RejectedExecutionException e) {
      end("shutdown");
    }
    return true;
  }

  /** A keep-alive comment when nothing was queued for {@code intervalNanos}. */
  void keepAliveIfIdle(long now, long intervalNanos) {
    if (now - lastQueuedNanos >= intervalNanos) {
      offer(KEEP_ALIVE);
    }
  }

  /**
   * A comment written to find out whether the client is still there: a write to a connection the
   * client closed fails (on the second write, once its reset came back). At most once a second.
   */
  void probe(long now) {
    if (now - lastProbeNanos >= 1_000_000_000L) {
      lastProbeNanos = now;
      offer(KEEP_ALIVE);
    }
  }

  /** Writes what is queued while the connection takes it without blocking, then flushes. */
  private void drain() {
    boolean failed = false;
    synchronized (this) {
      drainQueued = false;
      if (ended) {
        return;
      }
      try {
        while (out.isReady()) {
          byte[] frame = queue.poll();
          if (frame != null) {
            out.write(frame);
            unflushed = true;
          } else if (unflushed) {
            unflushed = false;
            out.flush();
          } else {
            return; // all written; the next offer queues a drain
          }
        }
        // not ready: Jetty calls onWritePossible when the pending write is done
      } catch (IOException | IllegalStateException e) {
        failed = true;
      }
    }
    if (failed) {
      end("client_gone");
    }
  }

  @Override
  public void onWritePossible() {
    drain();
  }

  @Override
  public void onError(Throwable t) {
    end("client_gone");
  }

  /** Ends the stream: no more frames, the response completes, its counts are released. */
  void end(String reason) {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      queue.clear();
    }
    release(reason);
    try {
      async.complete();
    } catch (IllegalStateException e) {
      // already completing (the container ended it)
    }
  }

  private void release(String reason) {
    if (released.compareAndSet(false, true)) {
      long lost;
      synchronized (this) {
        ended = true;
        lost = dropped;
      }
      hub.ended(this, reason, lost);
    }
  }

  // ---- AsyncListener: the container ended the request (error, timeout, completion)

  @Override
  public void onComplete(AsyncEvent event) {
    release("completed");
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    end("timeout");
  }

  @Override
  public void onError(AsyncEvent event) {
    end("client_gone");
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // not restarted
  }
}
