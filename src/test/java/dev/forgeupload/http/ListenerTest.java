package dev.forgeupload.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenerTest {
  /**
   * A burst of connections before anything accepts: all of them complete their handshake in the
   * kernel's queue. With Java's default backlog (50) the 52nd SYN was dropped and its connect
   * waited for the retransmit (the timeout here fails it instead).
   */
  @Test
  void a_burst_of_200_connections_is_queued_not_dropped() throws IOException {
    List<Socket> sockets = new ArrayList<>();
    try (Listener l = Listener.bind("127.0.0.1", 0)) {
      for (int i = 0; i < 200; i++) {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(new InetSocketAddress("127.0.0.1", l.port()), 2_000);
        assertThat(s.isConnected()).as("connection %d", i).isTrue();
      }
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }
}
