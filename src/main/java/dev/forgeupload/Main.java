package dev.forgeupload;

import dev.forgeupload.config.Config;

/** Entry point: {@code java -jar forgeupload.jar}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    Config config;
    try {
      config = Config.fromEnv(System.getenv());
    } catch (Config.ConfigException e) {
      System.err.println("forgeupload: " + e.getMessage());
      System.exit(2);
      return;
    }
    boolean worker = args.length > 0 && args[0].equals("worker");
    if (args.length > 0 && !worker) {
      System.err.println("usage: forgeupload [worker]");
      System.exit(2);
      return;
    }
    ForgeServer server;
    try {
      server = ForgeServer.start(config, !worker);
    } catch (Config.ConfigException e) {
      System.err.println("forgeupload: " + e.getMessage());
      System.exit(2);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
    Thread.currentThread().join();
  }
}
