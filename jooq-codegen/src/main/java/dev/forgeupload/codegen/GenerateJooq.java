package dev.forgeupload.codegen;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.jooq.codegen.GenerationTool;
import org.jooq.meta.jaxb.Configuration;
import org.jooq.meta.jaxb.Database;
import org.jooq.meta.jaxb.Generate;
import org.jooq.meta.jaxb.Generator;
import org.jooq.meta.jaxb.Jdbc;
import org.jooq.meta.jaxb.Logging;
import org.jooq.meta.jaxb.Target;

/**
 * Starts a throw-away embedded PostgreSQL, applies the Flyway migrations to it and runs the jOOQ
 * code generator against the result.
 *
 * <p>Usage: {@code GenerateJooq --migrations DIR --out DIR [--work DIR]}. {@code --out} is a source
 * root: the classes land in {@code OUT/dev/forgeupload/db/generated}. Without {@code --migrations}
 * the migrations are looked up relative to the jooq-codegen directory (the current directory or
 * the system property {@code codegen.dir}): {@code ../src/main/resources/db/migration}. {@code
 * --work} is where the database cluster lives (default: a new temp dir); it is deleted afterwards.
 */
public final class GenerateJooq {

  static final String PACKAGE = "dev.forgeupload.db.generated";

  private GenerateJooq() {}

  public static void main(String[] args) throws Exception {
    Path migrations = null;
    Path out = null;
    Path work = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--migrations" -> migrations = Paths.get(value(args, ++i, a));
        case "--out" -> out = Paths.get(value(args, ++i, a));
        case "--work" -> work = Paths.get(value(args, ++i, a));
        default -> usage("unknown argument: " + a);
      }
    }
    if (out == null) {
      usage("--out is required");
    }
    if (migrations == null) {
      Path codegenDir = Paths.get(System.getProperty("codegen.dir", "."));
      migrations = codegenDir.resolve("../src/main/resources/db/migration");
    }
    migrations = migrations.toAbsolutePath().normalize();
    out = out.toAbsolutePath().normalize();
    if (!Files.isDirectory(migrations)) {
      usage("migrations directory not found: " + migrations);
    }

    boolean ownWork = work == null;
    Path workDir = ownWork ? Files.createTempDirectory("forgeupload-jooq-") : work;
    Files.createDirectories(workDir);
    try {
      generate(migrations, out, workDir);
    } finally {
      deleteTree(workDir.resolve("pg-data"));
      if (ownWork) {
        deleteTree(workDir);
      }
    }
  }

  static void generate(Path migrations, Path out, Path workDir) throws Exception {
    Path binaries = workDir.resolve("pg-bin");
    Path data = workDir.resolve("pg-data");
    Files.createDirectories(binaries);
    EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setOverrideWorkingDirectory(binaries.toFile())
            .setDataDirectory(data.toFile())
            .setCleanDataDirectory(true)
            .start();
    try {
      String url = pg.getJdbcUrl("postgres", "postgres");

      Flyway.configure()
          .dataSource(pg.getPostgresDatabase())
          .locations("filesystem:" + migrations)
          .schemas("public")
          .load()
          .migrate();

      Configuration configuration =
          new Configuration()
              .withLogging(Logging.WARN)
              .withJdbc(
                  new Jdbc()
                      .withDriver("org.postgresql.Driver")
                      .withUrl(url)
                      .withUser("postgres")
                      .withPassword("postgres"))
              .withGenerator(
                  new Generator()
                      .withName("org.jooq.codegen.JavaGenerator")
                      .withDatabase(
                          new Database()
                              .withName("org.jooq.meta.postgres.PostgresDatabase")
                              .withInputSchema("public")
                              .withIncludes(".*")
                              .withExcludes("flyway_schema_history"))
                      .withGenerate(
                          new Generate()
                              // no @Generated (it carries the jOOQ version and may carry a date)
                              .withGeneratedAnnotation(false)
                              .withGeneratedAnnotationDate(false)
                              .withGeneratedAnnotationJooqVersion(false)
                              .withJavaTimeTypes(true)
                              .withComments(true))
                      .withTarget(
                          new Target()
                              .withPackageName(PACKAGE)
                              .withDirectory(out.toString())
                              .withEncoding("UTF-8")
                              .withClean(true)));
      GenerationTool.generate(configuration);
    } finally {
      pg.close();
    }
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      usage(flag + " needs a value");
    }
    return args[i];
  }

  private static void usage(String problem) {
    System.err.println("jooq-codegen: " + problem);
    System.err.println("usage: GenerateJooq --out SOURCE_ROOT [--migrations DIR] [--work DIR]");
    System.exit(2);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
