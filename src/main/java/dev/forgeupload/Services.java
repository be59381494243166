package dev.forgeupload;

import dev.forgeupload.config.Config;
import dev.forgeupload.config.ServicesConfig;
import dev.forgeupload.embedded.DataDirLock;
import dev.forgeupload.embedded.EmbeddedDatabase;
import dev.forgeupload.embedded.EmbeddedEndpoints;
import dev.forgeupload.embedded.EmbeddedRedis;
import dev.forgeupload.embedded.EmbeddedS3;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where PostgreSQL, Redis and S3 are, resolved once for every mode: the ones {@code FORGE_*}
 * configures, or else their embedded stand-ins. The server starts those (one process per data
 * directory: it holds {@code <data>/.lock}) and announces where they listen in {@code
 * <data>/services.properties}; {@code worker} mode and the CLI join them through that file. The
 * CLI needs the database alone and starts the embedded one itself when no server runs.
 */
final class Services {
  /** Connection details of the resolved services; the CLI's have no Redis or S3. */
  record Endpoints(
      String databaseUrl,
      String databaseUser,
      String databasePassword,
      String redisUrl,
      String s3Endpoint,
      String s3AccessKey,
      String s3SecretKey) {}

  private Services() {}

  /** Server mode: the configured services, and an embedded stand-in started for each other one. */
  static Endpoints own(ServicesConfig c, Started started) throws IOException {
    if (!c.anyEmbedded()) {
      return configured(c);
    }
    requireEmbeddedBuild(missing(c));
    started.add(DataDirLock.acquire(c.dataDir()));
    String url = c.databaseUrl();
    String user = c.databaseUser();
    if (c.embeddedDatabase()) {
      EmbeddedDatabase db = started.add(EmbeddedDatabase.start(c.dataDir()));
      url = db.jdbcUrl();
      user = db.user();
    }
    String redis = c.embeddedRedis() ? started.add(EmbeddedRedis.start(c.dataDir())).url()
        : c.redisUrl();
    if (!c.embeddedS3()) {
      return new Endpoints(url, user, c.databasePassword(), redis, c.s3Endpoint(),
          c.s3AccessKey(), c.s3SecretKey());
    }
    EmbeddedS3 s3 = started.add(EmbeddedS3.start(c.dataDir(), EmbeddedS3.defaultJar()));
    return new Endpoints(url, user, c.databasePassword(), redis, s3.endpoint(), s3.accessKey(),
        s3.secretKey());
  }

  /**
   * After {@link #own}, once the services answer: writes where the embedded ones listen, for
   * workers and the CLI on this data directory. Nothing when every service is configured.
   */
  static void announce(ServicesConfig c, Endpoints e) throws IOException {
    if (c.anyEmbedded()) {
      EmbeddedEndpoints.write(c.dataDir(), e.databaseUrl(), e.databaseUser(), e.redisUrl(),
          e.s3Endpoint(), e.s3AccessKey(), e.s3SecretKey());
    }
  }

  /** Worker mode: the configured services; the running server's embedded ones for the rest. */
  static Endpoints join(ServicesConfig c) {
    return configured(joined(c));
  }

  /**
   * The CLI: the configured database; else the embedded one of the server running on this data
   * directory; else (no server holds the directory) the embedded one, started for the command.
   */
  static Endpoints database(ServicesConfig c, Started started) throws IOException {
    if (!c.embeddedDatabase()) {
      return configured(c);
    }
    DataDirLock lock = tryLock(c);
    if (lock == null) {
      return configured(joined(c)); // a server runs on this data directory: use its database
    }
    started.add(lock);
    requireEmbeddedBuild("FORGE_DATABASE_URL"); // the CLI needs the database alone
    EmbeddedDatabase db = started.add(EmbeddedDatabase.start(c.dataDir()));
    return new Endpoints(db.jdbcUrl(), db.user(), c.databasePassword(), null, null, null, null);
  }

  private static Endpoints configured(ServicesConfig c) {
    return new Endpoints(c.databaseUrl(), c.databaseUser(), c.databasePassword(), c.redisUrl(),
        c.s3Endpoint(), c.s3AccessKey(), c.s3SecretKey());
  }

  /** The services not configured are taken from what the server on this data directory wrote. */
  private static ServicesConfig joined(ServicesConfig c) {
    if (!c.anyEmbedded()) {
      return c;
    }
    Map<String, String> written = EmbeddedEndpoints.read(c.dataDir()).orElse(Map.of());
    ServicesConfig joined = c.joining(written);
    if (joined.anyEmbedded()) {
      throw new Config.ConfigException(
          "worker mode needs " + missing(joined) + ", or a running server on FORGE_DATA_DIR "
              + c.dataDir());
    }
    return joined;
  }

  private static DataDirLock tryLock(ServicesConfig c) {
    try {
      return DataDirLock.acquire(c.dataDir());
    } catch (IOException e) {
      return null;
    }
  }

  /** True when this build carries the embedded services (the default build, not production). */
  static boolean embeddedBuild() {
    try {
      Class.forName("io.zonky.test.db.postgres.embedded.EmbeddedPostgres");
      Class.forName("redis.embedded.RedisServer");
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Stops start-up naming {@code missing}, the variables to set, in a production build. */
  private static void requireEmbeddedBuild(String missing) {
    if (!embeddedBuild()) {
      throw new Config.ConfigException(
          "this build has no embedded services (it was built for production): set " + missing);
    }
  }

  /** The variables of the services {@code c} leaves to an embedded stand-in, as a phrase. */
  static String missing(ServicesConfig c) {
    List<String> names = new ArrayList<>();
    if (c.embeddedDatabase()) {
      names.add("FORGE_DATABASE_URL");
    }
    if (c.embeddedRedis()) {
      names.add("FORGE_REDIS_URL");
    }
    if (c.embeddedS3()) {
      names.add("FORGE_S3_ENDPOINT");
    }
    if (names.size() <= 1) {
      return String.join("", names);
    }
    return String.join(", ", names.subList(0, names.size() - 1)) + " and "
        + names.get(names.size() - 1);
  }
}
