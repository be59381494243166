package dev.forgeupload.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class OpenApiTest {

  @Test
  void the_document_describes_exactly_the_routes_that_exist() throws Exception {
    JsonNode doc;
    try (InputStream in = OpenApiTest.class.getResourceAsStream("/openapi.json")) {
      doc = new ObjectMapper().readTree(in);
    }
    assertThat(doc.get("openapi").asText()).startsWith("3.");
    Set<String> documented = new TreeSet<>();
    Iterator<String> paths = doc.get("paths").fieldNames();
    while (paths.hasNext()) {
      String path = paths.next();
      Iterator<String> methods = doc.get("paths").get(path).fieldNames();
      while (methods.hasNext()) {
        documented.add(methods.next().toUpperCase(Locale.ROOT) + " " + path);
      }
    }
    Set<String> served = new TreeSet<>();
    for (ApiServlet.Route r : new ApiServlet(null, null, null, null, null, null, null, Duration.ZERO, ErrorWriter.UNCOUNTED).routes()) {
      served.add(r.method() + " " + r.template());
    }
    served.add("GET /events"); // its own servlet (EventsServlet)
    assertThat(documented).isEqualTo(served);
  }
}
