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
    ForgeServer server = ForgeServer.start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
    Thread.currentThread().join();
  }
}
