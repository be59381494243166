package dev.forgeupload.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;

/**
 * What a run prints on stdout: each uploaded file's URL, one a line in command-line order, or
 * with {@code --json} one document with every file (uploaded or failed) and the totals.
 */
final class Report {
  /** One file in the JSON document. */
  record FileEntry(String path, long size, String state, String url, String id,
      long resumedFrom, long sentBytes, int parts, String error) {}

  /** The JSON document. */
  record Document(List<FileEntry> files, int uploaded, int failed, long totalBytes,
      long sentBytes, double seconds) {}

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private Report() {}

  static Document document(List<FileUpload.Result> results, double seconds) {
    List<FileEntry> files = results.stream().map(Report::entry).toList();
    int ok = (int) results.stream().filter(FileUpload.Result::ok).count();
    long total = results.stream().mapToLong(r -> r.source().size()).sum();
    long sent = results.stream().mapToLong(FileUpload.Result::sentBytes).sum();
    return new Document(files, ok, results.size() - ok, total, sent,
        Math.round(seconds * 1000) / 1000.0);
  }

  private static FileEntry entry(FileUpload.Result r) {
    return new FileEntry(r.source().label(), r.source().size(), r.ok() ? "uploaded" : "failed",
        r.url(), r.url() == null ? null : id(r.url()), r.resumedFrom(), r.sentBytes(), r.parts(),
        r.error());
  }

  /** The upload id: the URL's last path segment. */
  static String id(String url) {
    String path = URI.create(url).getPath();
    if (path == null) {
      return null;
    }
    String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return trimmed.substring(trimmed.lastIndexOf('/') + 1);
  }

  static void print(PrintStream out, List<FileUpload.Result> results, double seconds,
      boolean json) {
    if (json) {
      try {
        out.println(JSON.writeValueAsString(document(results, seconds)));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    } else {
      for (FileUpload.Result r : results) {
        if (r.ok()) {
          out.println(r.url());
        }
      }
    }
    out.flush();
  }
}
