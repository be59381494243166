package dev.forgeupload.hooks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One signed {@code POST} to the hook receiver (the JDK's HttpClient, HTTP/1.1): the JSON body,
 * {@code webhook-id}, {@code webhook-timestamp} and {@code webhook-signature}, and the forwarded
 * request headers. Redirects are not followed (a 3xx is a failure), the whole exchange must end
 * within the timeout, and a response body over {@link #MAX_RESPONSE_BYTES} is cut off and fails.
 */
final class HookClient {
  /** Largest hook response read: more is a failed hook (tusd's default is 5 KiB). */
  static final int MAX_RESPONSE_BYTES = 64 * 1024;
  /** Headers the JDK client sets itself or refuses, and ours. */
  private static final Set<String> NOT_FORWARDED =
      Set.of("connection", "content-length", "expect", "host", "upgrade", "content-type",
          "webhook-id", "webhook-timestamp", "webhook-signature", "user-agent", "te",
          "transfer-encoding", "keep-alive", "trailer");

  /** The receiver's answer: a status (0 when none came) and body, or why there was none. */
  record Answer(int status, byte[] body, String error) {
    boolean ok() {
      return error == null && status >= 200 && status <= 299;
    }

    /** A short reason for logs and the deliveries API (never the body). */
    String reason() {
      return error != null ? error : "status " + status;
    }
  }

  private final HttpClient http;
  private final URI url;
  private final Signer signer;
  private final Duration timeout;

  HookClient(URI url, Signer signer, Duration timeout) {
    this.url = url;
    this.signer = signer;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(timeout)
            .build();
  }

  Answer post(String webhookId, byte[] body, Map<String, List<String>> forwarded) {
    long timestamp = Instant.now().getEpochSecond();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("User-Agent", "ForgeUpload-Hooks")
            .header("webhook-id", webhookId)
            .header("webhook-timestamp", Long.toString(timestamp))
            .header("webhook-signature", signer.sign(webhookId, timestamp, body))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    forwarded.forEach((name, values) -> {
      if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
        values.stream().filter(HookClient::safeValue).forEach(v -> b.header(name, v));
      }
    });
    CompletableFuture<HttpResponse<byte[]>> call;
    try {
      call = http.sendAsync(b.build(), info -> new LimitedBody(MAX_RESPONSE_BYTES));
    } catch (IllegalArgumentException e) {
      return new Answer(0, null, "request refused by the client: " + e.getMessage());
    }
    try {
      HttpResponse<byte[]> r = call.get(timeout.toMillis() + 250, TimeUnit.MILLISECONDS);
      return new Answer(r.statusCode(), r.body(), null);
    } catch (TimeoutException e) {
      call.cancel(true);
      return new Answer(0, null, "no answer within " + timeout.toSeconds() + " s");
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      return new Answer(0, null, "interrupted");
    } catch (ExecutionException e) {
      return new Answer(0, null, describe(e.getCause()));
    }
  }

  private static boolean safeValue(String v) {
    return v.chars().noneMatch(c -> c < 0x20 && c != '\t' || c == 0x7f);
  }

  private String describe(Throwable t) {
    if (t instanceof HttpTimeoutException) {
      return "no answer within " + timeout.toSeconds() + " s";
    }
    if (t instanceof ConnectException) {
      return "connection refused or unreachable";
    }
    if (t instanceof TooLarge) {
      return "response body over " + MAX_RESPONSE_BYTES + " bytes";
    }
    if (t instanceof IOException && t.getCause() instanceof TooLarge) {
      return "response body over " + MAX_RESPONSE_BYTES + " bytes";
    }
    return t.getClass().getSimpleName()
        + (t.getMessage() == null ? "" : ": " + t.getMessage().lines().findFirst().orElse(""));
  }

  private static final class TooLarge extends IOException {
    TooLarge() {
      super("response body too large");
    }
  }

  /** Collects a body up to a limit; past it, cancels the exchange and fails. */
  private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final int limit;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    LimitedBody(int limit) {
      this.limit = limit;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer item : items) {
        if (out.size() + item.remaining() > limit) {
          subscription.cancel();
          result.completeExceptionally(new TooLarge());
          return;
        }
        byte[] chunk = new byte[item.remaining()];
        item.get(chunk);
        out.write(chunk, 0, chunk.length);
      }
      subscription.request(1);
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(out.toByteArray());
    }
  }
}
