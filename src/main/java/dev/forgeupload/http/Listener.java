package dev.forgeupload.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;

/**
 * The HTTP port, bound before anything else starts: a port in use stops start-up at once instead
 * of after the services and workers came up, and nobody can take it in between. Connections that
 * arrive before Jetty starts wait in the kernel's backlog; {@link HttpServer} serves them from
 * this socket.
 */
public final class Listener implements AutoCloseable {
  /**
   * Connections the kernel queues before Jetty accepts them (capped by {@code
   * net.core.somaxconn}). Java's default is 50: a burst of 64 clients connecting at once had its
   * last SYNs dropped, and those clients waited the 1 s SYN retransmit (a POST p99 of ~1 s).
   */
  static final int BACKLOG = 1024;

  private final ServerSocketChannel channel;

  private Listener(ServerSocketChannel channel) {
    this.channel = channel;
  }

  /**
   * Binds {@code host:port} (port 0: any free one) with SO_REUSEADDR, as Jetty would. Throws
   * {@link java.net.BindException} when the port is in use or the address is not this host's.
   */
  public static Listener bind(String host, int port) throws IOException {
    ServerSocketChannel channel = ServerSocketChannel.open();
    try {
      channel.socket().setReuseAddress(true);
      channel.bind(new InetSocketAddress(host, port), BACKLOG);
      return new Listener(channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  ServerSocketChannel channel() {
    return channel;
  }

  public int port() {
    return channel.socket().getLocalPort();
  }

  /** Closes the socket unless Jetty serves it (then Jetty closes it when it stops). */
  @Override
  public void close() throws IOException {
    channel.close();
  }
}
