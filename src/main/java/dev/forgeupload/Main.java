package dev.forgeupload;

import dev.forgeupload.cli.ApiKeyCommand;
import dev.forgeupload.client.UploadCommand;
import dev.forgeupload.config.Config;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point: {@code java -jar forgeupload.jar [server|worker|apikey ...|upload ...]}.
 * Configuration comes from the environment ({@code FORGE_*}); the command line picks what to
 * run. {@code upload} is a client: it reads no configuration and starts nothing. With {@link
 * ForgeServer}, {@link Services}, {@link Backends}, {@link HttpLayer} and {@link CliSession} this
 * package is the composition root: the only code that sees every other package.
 */
@Command(
    name = "forgeupload",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "tus resumable-upload server. Configuration: FORGE_* environment variables.",
    subcommands = {Main.Server.class, Main.Worker.class, UploadCommand.class})
public final class Main implements Callable<Integer> {

  public static void main(String[] args) {
    // FORGE_LOG_*_FILE: logback reads system properties, not our resolved configuration
    Config.loggingFromFiles(System.getenv()).forEach(System::setProperty);
    if (args.length > 0 && (args[0].equals("apikey") || args[0].equals("upload"))) {
      // before anything logs: the command's stdout carries only its output (a key, a listing, URLs)
      System.setProperty("forge.log.target", "System.err");
    }
    CommandLine cli = new CommandLine(new Main());
    cli.addSubcommand(new ApiKeyCommand(() -> CliSession.open(config())));
    System.exit(cli.execute(args));
  }

  /**
   * {@code --version}: the version and which build this is. The default build carries the
   * embedded services; the production build ({@code mvn -Pproduction package}) does not, and
   * says so (scripts/run and the profile check in scripts/test read this line).
   */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "forgeupload " + (v == null ? "(development)" : v) + ", "
            + (Services.embeddedBuild()
                ? "embedded services included"
                : "production build: no embedded services")
      };
    }
  }

  /** No subcommand: run the server. */
  @Override
  public Integer call() throws Exception {
    return run(true);
  }

  @Command(name = "server", description = "Run the HTTP server (and its workers); the default.")
  static final class Server implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      return run(true);
    }
  }

  @Command(name = "worker", description = "Run workers only (store finished uploads in S3).")
  static final class Worker implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      return run(false);
    }
  }

  static int run(boolean http) throws InterruptedException {
    ForgeServer server;
    try {
      server = ForgeServer.start(config(), http);
    } catch (Config.ConfigException e) {
      System.err.println("forgeupload: " + e.getMessage());
      return 2;
    } catch (StartFailed e) {
      System.err.println("forgeupload: " + e.getMessage());
      return 1;
    } catch (Exception e) {
      System.err.println("forgeupload: start failed: " + e);
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
    Thread.currentThread().join();
    return 0;
  }

  /** The configuration, or exit 2 with the one-line reason. */
  static Config config() {
    try {
      return Config.fromEnv(System.getenv());
    } catch (Config.ConfigException e) {
      System.err.println("forgeupload: " + e.getMessage());
      System.exit(2);
      return null;
    }
  }
}
