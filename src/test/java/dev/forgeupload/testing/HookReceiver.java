package dev.forgeupload.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A hook receiver for tests: a real HTTP server (the JDK's) on a fixed loopback port that records
 * every request it is sent (headers, body, whether its Standard Webhooks signature verifies) and
 * answers as the test scripts it. {@link #down} and {@link #up} stop and restart it on the same
 * port, so the server sees connections refused in between. The signature check is written here,
 * from the spec, independently of the server's signer.
 */
public final class HookReceiver implements AutoCloseable {
  /** A fresh secret in the Standard Webhooks form (whsec_ + base64 of 32 random bytes). */
  public static String newSecret() {
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as received. {@code type} is the hook request's Type, null for other bodies. */
  public record Received(
      String path,
      String type,
      JsonNode body,
      byte[] raw,
      Map<String, List<String>> headers,
      String webhookId,
      boolean signatureValid,
      Instant at) {

    public String uploadId() {
      return body == null ? null : body.path("Event").path("Upload").path("ID").asText();
    }

    public JsonNode upload() {
      return body.path("Event").path("Upload");
    }

    public JsonNode httpRequest() {
      return body.path("Event").path("HTTPRequest");
    }

    public String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  /** What to answer: a status, a body (with its content type), after a delay. */
  public record Answer(int status, String contentType, byte[] body, long delayMillis,
      Map<String, String> headers) {
    public static Answer ok() {
      return new Answer(200, null, new byte[0], 0, Map.of());
    }

    public static Answer json(String json) {
      return new Answer(200, "application/json", json.getBytes(StandardCharsets.UTF_8), 0,
          Map.of());
    }

    public static Answer status(int status) {
      return new Answer(status, "text/plain", ("status " + status).getBytes(StandardCharsets.UTF_8),
          0, Map.of());
    }

    public Answer after(Duration delay) {
      return new Answer(status, contentType, body, delay.toMillis(), headers);
    }

    public Answer withHeader(String name, String value) {
      return new Answer(status, contentType, body, delayMillis, Map.of(name, value));
    }
  }

  private final byte[] key;
  private final int port;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile Function<Received, Answer> script = r -> Answer.ok();
  private HttpServer server;

  private HookReceiver(String secret) throws IOException {
    this.key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    this.server = bind(0);
    this.port = server.getAddress().getPort();
  }

  public static HookReceiver start(String secret) {
    try {
      return new HookReceiver(secret);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpServer bind(int p) throws IOException {
    HttpServer s =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 64);
    s.createContext("/", this::handle);
    s.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "hook-receiver");
      t.setDaemon(true);
      return t;
    }));
    s.start();
    return s;
  }

  /** The URL hooks are sent to ({@code /hook}). */
  public String url() {
    return "http://127.0.0.1:" + port + "/hook";
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  public void script(Function<Received, Answer> answer) {
    this.script = answer;
  }

  public List<Received> received() {
    return new ArrayList<>(received);
  }

  public List<Received> received(Predicate<Received> which) {
    return received.stream().filter(which).toList();
  }

  /** Requests carrying hook events of {@code uploadId}, in arrival order. */
  public List<Received> of(String uploadId) {
    return received(r -> uploadId.equals(r.uploadId()));
  }

  public void clear() {
    received.clear();
  }

  /** Stops listening: connections are refused until {@link #up}. */
  public synchronized void down() {
    server.stop(0);
    server = null;
  }

  public synchronized void up() {
    try {
      server = bind(port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    byte[] raw = ex.getRequestBody().readAllBytes();
    Map<String, List<String>> headers = Map.copyOf(ex.getRequestHeaders());
    JsonNode body = null;
    try {
      body = JSON.readTree(raw);
    } catch (IOException notJson) {
      // recorded with a null body
    }
    String id = ex.getRequestHeaders().getFirst("webhook-id");
    Received r =
        new Received(ex.getRequestURI().getPath(),
            body == null || !body.has("Type") ? null : body.get("Type").asText(), body, raw,
            headers, id, verifies(id, ex.getRequestHeaders().getFirst("webhook-timestamp"),
                ex.getRequestHeaders().getFirst("webhook-signature"), raw),
            Instant.now());
    received.add(r);
    Answer a;
    try {
      a = script.apply(r);
    } catch (RuntimeException e) {
      a = Answer.status(500);
    }
    if (a.delayMillis() > 0) {
      try {
        Thread.sleep(a.delayMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      if (a.contentType() != null) {
        ex.getResponseHeaders().set("Content-Type", a.contentType());
      }
      a.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      ex.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
      if (a.body().length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(a.body());
        }
      }
    } catch (IOException clientGone) {
      // the server gave up on this answer (timeout, size limit): fine
    } finally {
      ex.close();
    }
  }

  /**
   * Standard Webhooks verification: the timestamp within 5 minutes, and one of the
   * space-separated {@code v1,<base64>} signatures equal to HMAC-SHA256(key, id.timestamp.body).
   */
  private boolean verifies(String id, String timestamp, String signatures, byte[] body) {
    if (id == null || timestamp == null || signatures == null) {
      return false;
    }
    long ts;
    try {
      ts = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(Instant.now().getEpochSecond() - ts) > 300) {
      return false;
    }
    byte[] expected;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] signed = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
      byte[] all = new byte[signed.length + body.length];
      System.arraycopy(signed, 0, all, 0, signed.length);
      System.arraycopy(body, 0, all, signed.length, body.length);
      expected = mac.doFinal(all);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    for (String sig : signatures.split(" ")) {
      if (sig.startsWith("v1,")) {
        byte[] got;
        try {
          got = Base64.getDecoder().decode(sig.substring(3));
        } catch (IllegalArgumentException e) {
          continue;
        }
        if (MessageDigest.isEqual(expected, got)) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop(0);
    }
  }
}
