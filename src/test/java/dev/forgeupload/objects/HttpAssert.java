package dev.forgeupload.objects;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

final class HttpAssert {
  private HttpAssert() {}

  static void status(HttpResponse<byte[]> r, int want) {
    assertThat(r.statusCode())
        .as("%s %s: %s", r.request().method(), r.request().uri(),
            new String(r.body(), StandardCharsets.UTF_8))
        .isEqualTo(want);
  }
}
