package dev.forgeupload.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.auth.Authenticator;
import dev.forgeupload.auth.RateLimiter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /s/<token>} through the real filter chain with token auth on: no credential is asked
 * for and no principal attached, but the client address's rate budget is spent, and the safe
 * headers are set.
 */
class AuthFilterShareTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private HttpServer server;
  private final List<String> keys = new CopyOnWriteArrayList<>();
  private final AtomicInteger budget = new AtomicInteger(2);

  private void start() throws Exception {
    RateLimiter limiter = (key, perMinute) -> {
      keys.add(key);
      return budget.getAndDecrement() > 0 ? 0 : 7;
    };
    AuthFilter auth = new AuthFilter(new Authenticator(null, null), limiter, 100, 100,
        ErrorWriter.UNCOUNTED);
    HttpServlet share = new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        boolean hasPrincipal;
        try {
          RequestPrincipal.of(req);
          hasPrincipal = true;
        } catch (IllegalStateException e) {
          hasPrincipal = false;
        }
        resp.getWriter().write("principal=" + hasPrincipal);
      }
    };
    server = new HttpServer(Listener.bind("127.0.0.1", 0), false, Duration.ofSeconds(10),
        Duration.ZERO, 0, Duration.ofSeconds(1), List.of(), auth,
        Map.of("/s/*", share, "/api/v1/*", share));
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    try {
      server.stop();
    } catch (TimeoutException e) {
      // kept-alive client connections outlast the 1 s graceful stop: not a failure
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void share_links_need_no_credential_but_spend_the_address_budget() throws Exception {
    start();
    HttpResponse<String> ok = get("/s/anything");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("principal=false");
    assertThat(ok.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    assertThat(ok.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(keys).containsExactly("a:127.0.0.1");

    // the API next door still asks for a credential
    assertThat(get("/api/v1/me").statusCode()).isEqualTo(401);

    HttpResponse<String> limited = get("/s/anything");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).hasValue("7");
    assertThat(limited.body()).contains("\"code\":\"rate_limited\"");
  }
}
