package dev.forgeupload.client;

import dev.forgeupload.client.Sources.Source;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code forgeupload upload --server URL PATH...}: a tus client for files and folders. It talks
 * to the server over HTTP only (no database, nothing embedded is started). Exit status 0 when
 * every file is on the server, 1 when any failed, 2 for a usage error.
 */
@Command(
    name = "upload",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Upload files and folders (recursively) over tus, resuming what an earlier run started.",
        "Prints each uploaded file's URL on stdout (or JSON with --json); progress goes to"
            + " stderr."},
    exitCodeListHeading = "Exit status:%n",
    exitCodeList = {"0:every file uploaded", "1:some file failed", "2:usage error"})
public final class UploadCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--server", required = true, paramLabel = "URL",
      description = "The server, e.g. http://127.0.0.1:8080 (its tus endpoint /files/ is used),"
          + " or the endpoint's own URL when it ends in /files/.")
  String server;

  @Option(names = "--token", paramLabel = "T", defaultValue = "${env:FORGE_UPLOAD_TOKEN}",
      description = "Bearer credential (API key or JWT); default: $FORGE_UPLOAD_TOKEN.")
  String token;

  @Option(names = "--parallel", paramLabel = "N", defaultValue = "4",
      description = "Files sent at once (default 4).")
  int parallel;

  @Option(names = "--parallel-parts", paramLabel = "N", defaultValue = "1",
      description = "Split each file of at least 2 MiB into up to N partial uploads sent at once"
          + " and joined on the server (tus concatenation); default 1: no split.")
  int parallelParts;

  @Option(names = "--limit-rate", paramLabel = "BYTES_PER_SECOND", converter = Sizes.class,
      description = "At most this many bytes per second for the whole run (all files); suffix"
          + " k, m, g for KiB, MiB, GiB.")
  Long limitRate;

  @Option(names = "--chunk-size", paramLabel = "BYTES", converter = Sizes.class,
      description = "At most this many bytes per PATCH (default: the rest of the file in one).")
  Long chunkSize;

  @Option(names = "--pattern", paramLabel = "GLOB",
      description = "Only files in folders whose path below the folder matches, e.g."
          + " '**/*.csv' (**/ is zero or more folders); files named directly always go.")
  String pattern;

  @Option(names = "--json", description = "Print one JSON document with every file at the end.")
  boolean json;

  @Option(names = "--retries", paramLabel = "N", defaultValue = "8",
      description = "Retries after a failure that may pass, with backoff from 0.5 s to 30 s;"
          + " the count restarts whenever the upload gets further (default 8).")
  int retries;

  @Option(names = "--state-dir", paramLabel = "DIR",
      defaultValue = "${env:FORGE_UPLOAD_STATE_DIR}",
      description = "Where upload URLs are remembered for resuming (default:"
          + " $FORGE_UPLOAD_STATE_DIR, else ~/.forgeupload).")
  Path stateDir;

  @Option(names = "--no-resume", description = "Start new uploads even for files sent before.")
  boolean noResume;

  @Option(names = {"-q", "--quiet"}, description = "No progress display.")
  boolean quiet;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files and folders.")
  List<Path> paths;

  @Override
  public Integer call() throws InterruptedException {
    PrintStream err = System.err;
    check(parallel >= 1 && parallel <= 64, "--parallel must be 1 to 64");
    check(parallelParts >= 1 && parallelParts <= 64, "--parallel-parts must be 1 to 64");
    check(retries >= 0 && retries <= 1000, "--retries must be 0 to 1000");
    check(limitRate == null || limitRate > 0, "--limit-rate must be positive");
    check(chunkSize == null || chunkSize > 0, "--chunk-size must be positive");
    URI endpoint = endpoint(server);
    Glob glob;
    try {
      glob = pattern == null ? Glob.all() : Glob.compile(pattern);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--pattern: " + e.getMessage());
    }
    List<Source> sources;
    FingerprintStore store;
    try {
      sources = Sources.expand(paths, glob);
      store = new FingerprintStore(stateDir == null ? FingerprintStore.defaultDir()
          : stateDir.resolve("uploads"));
    } catch (Sources.Missing e) {
      err.println("forgeupload upload: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("forgeupload upload: " + e);
      return 2;
    }
    if (sources.isEmpty()) {
      err.println("forgeupload upload: no files" + (pattern == null ? "" : " match " + pattern));
    }
    return run(endpoint, sources, store, err);
  }

  private int run(URI endpoint, List<Source> sources, FingerprintStore store, PrintStream err)
      throws InterruptedException {
    long started = System.nanoTime();
    TusClient tus = new TusClient(endpoint, token);
    boolean concat = parallelParts > 1 && concatenationOffered(tus, err);
    long totalBytes = sources.stream().mapToLong(Source::size).sum();
    boolean terminal = stdoutIsTerminal();
    Progress progress = quiet ? Progress.QUIET
        : terminal ? new TerminalProgress(err, sources.size(), totalBytes)
            : new PlainProgress(err, sources.size(), totalBytes);
    ExecutorService files = Executors.newFixedThreadPool(parallel, daemons("upload-file"));
    ExecutorService parts = Executors.newCachedThreadPool(daemons("upload-part"));
    List<FileUpload.Result> results = new ArrayList<>();
    try {
      FileUpload uploader = new FileUpload(tus, store,
          limitRate == null ? null : new RateLimiter(limitRate),
          new FileUpload.Settings(chunkSize == null ? 0 : chunkSize, retries, parallelParts,
              !noResume, concat),
          parts, progress);
      List<Future<FileUpload.Result>> running = new ArrayList<>();
      for (Source s : sources) {
        running.add(files.submit(() -> uploader.upload(s)));
      }
      for (Future<FileUpload.Result> f : running) {
        try {
          results.add(f.get());
        } catch (ExecutionException e) {
          throw new IllegalStateException("upload task failed", e.getCause());
        }
      }
    } finally {
      files.shutdownNow();
      parts.shutdownNow();
      progress.close();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Report.print(System.out, results, seconds, json);
    long failed = results.stream().filter(r -> !r.ok()).count();
    long sent = results.stream().mapToLong(FileUpload.Result::sentBytes).sum();
    if (!quiet) {
      err.printf(Locale.ROOT, "%d of %d files uploaded%s, %s sent in %.1f s%n",
          results.size() - failed, results.size(), failed == 0 ? "" : " (" + failed + " failed)",
          Progress.bytes(sent), seconds);
    }
    return failed == 0 ? 0 : 1;
  }

  private boolean concatenationOffered(TusClient tus, PrintStream err)
      throws InterruptedException {
    try {
      if (tus.extensions().contains("concatenation")) {
        return true;
      }
      err.println("forgeupload upload: the server does not offer concatenation;"
          + " files go as one upload each");
    } catch (TusException e) {
      err.println("forgeupload upload: " + e.getMessage() + "; files go as one upload each");
    }
    return false;
  }

  private void check(boolean ok, String message) {
    if (!ok) {
      throw new CommandLine.ParameterException(spec.commandLine(), message);
    }
  }

  /** The tus endpoint: the server's {@code /files/}, or the URL itself when it names it. */
  URI endpoint(String url) {
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--server is not a URL: " + url);
    }
    if (u.getScheme() == null || u.getHost() == null
        || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))
        || u.getQuery() != null || u.getFragment() != null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--server must be an http:// or https:// URL without query: " + url);
    }
    String path = u.getRawPath() == null ? "" : u.getRawPath();
    if (path.endsWith("/files")) {
      path = path + "/";
    } else if (!path.endsWith("/files/")) {
      path = (path.endsWith("/") ? path : path + "/") + "files/";
    }
    return u.resolve(path);
  }

  /**
   * Whether stdout is a terminal: {@code System.console()} exists only then on Java 17 to 21;
   * from 22 on it exists more often and {@code isTerminal()} tells. {@code TERM=dumb} counts as
   * no terminal.
   */
  static boolean stdoutIsTerminal() {
    if ("dumb".equals(System.getenv("TERM"))) {
      return false;
    }
    Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(c);
    } catch (NoSuchMethodException before22) {
      return true;
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  private static ThreadFactory daemons(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** {@code 1048576}, {@code 1024k}, {@code 1m}, {@code 2G}: bytes, binary suffixes. */
  static final class Sizes implements CommandLine.ITypeConverter<Long> {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,18})([kKmMgGtT]?)");

    @Override
    public Long convert(String value) {
      Matcher m = SIZE.matcher(value.trim());
      if (!m.matches()) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a size (bytes, or a number with k, m, g or t)");
      }
      long n = Long.parseLong(m.group(1));
      int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
        case "k" -> 10;
        case "m" -> 20;
        case "g" -> 30;
        case "t" -> 40;
        default -> 0;
      };
      if (n > (Long.MAX_VALUE >> shift)) {
        throw new CommandLine.TypeConversionException("'" + value + "' is too large");
      }
      return n << shift;
    }
  }
}
