package dev.forgeupload;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package arrows (docs/decisions.md, "Code structure"): everything points into {@code core};
 * only the composition root ({@code dev.forgeupload} itself: Main, ForgeServer, Services,
 * Backends, HttpLayer, CliSession) sees every package. Main classes only; tests see everything.
 */
@AnalyzeClasses(packages = "dev.forgeupload", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule core_depends_on_no_other_package_of_ours_and_on_no_framework =
      noClasses()
          .that().resideInAPackage("dev.forgeupload.core..")
          .should().dependOnClassesThat(
              resideInAPackage("dev.forgeupload..")
                  .and(not(resideInAPackage("dev.forgeupload.core.."))))
          .orShould().dependOnClassesThat().resideInAnyPackage(
              "jakarta.servlet..", "org.eclipse.jetty..", "org.jooq..", "redis.clients..",
              "io.minio..", "io.micrometer..", "me.desair.tus..", "com.zaxxer..",
              "org.flywaydb..");

  @ArchTest
  static final ArchRule top_level_packages_have_no_cycles =
      slices()
          .matching("dev.forgeupload.(*)..")
          .should().beFreeOfCycles();

  @ArchTest
  static final ArchRule nothing_depends_on_the_composition_root =
      noClasses()
          .that().resideOutsideOfPackage("dev.forgeupload")
          .should().dependOnClassesThat().resideInAPackage("dev.forgeupload");

  @ArchTest
  static final ArchRule auth_knows_neither_servlets_nor_the_database =
      noClasses()
          .that().resideInAPackage("dev.forgeupload.auth..")
          .should().dependOnClassesThat().resideInAnyPackage(
              "jakarta.servlet..", "dev.forgeupload.db..", "org.jooq..");

  @ArchTest
  static final ArchRule only_the_composition_root_reads_the_configuration =
      noClasses()
          .that().resideOutsideOfPackages("dev.forgeupload", "dev.forgeupload.config..")
          .should().dependOnClassesThat().resideInAPackage("dev.forgeupload.config..");

  @ArchTest
  static final ArchRule generated_jooq_classes_are_used_by_db_only =
      noClasses()
          .that().resideOutsideOfPackage("dev.forgeupload.db..")
          .should().dependOnClassesThat().resideInAPackage("dev.forgeupload.db.generated..");

  /** jOOQ and Flyway: db; the root only hands a DSLContext on. */
  @ArchTest
  static final ArchRule jooq_is_used_by_db_only =
      noClasses()
          .that().resideOutsideOfPackages("dev.forgeupload", "dev.forgeupload.db..")
          .should().dependOnClassesThat().resideInAnyPackage("org.jooq..", "org.flywaydb..");

  /** Jedis: queue; the root only builds the RedisClient the queue classes share. */
  @ArchTest
  static final ArchRule jedis_is_used_by_queue_only =
      noClasses()
          .that().resideOutsideOfPackages("dev.forgeupload", "dev.forgeupload.queue..")
          .should().dependOnClassesThat().resideInAPackage("redis.clients..");

  /**
   * The JDK's HTTP client is used by the hook caller and by the upload command-line client only
   * (S3 and JWKS have theirs); the server's own request handling never calls out.
   */
  @ArchTest
  static final ArchRule the_http_client_is_used_by_hooks_and_the_client_only =
      noClasses()
          .that().resideOutsideOfPackages("dev.forgeupload.hooks..", "dev.forgeupload.client..")
          .should().dependOnClassesThat().resideInAPackage("java.net.http..");

  @ArchTest
  static final ArchRule minio_is_used_by_objectstore_only =
      noClasses()
          .that().resideOutsideOfPackage("dev.forgeupload.objectstore..")
          .should().dependOnClassesThat().resideInAPackage("io.minio..");

  /**
   * The upload client ({@code scripts/run upload}) speaks HTTP to a server and nothing else: no
   * package of ours outside it, no server framework, no database, no Redis, no S3 client, no
   * logging of ours (it writes its own stdout and stderr).
   */
  @ArchTest
  static final ArchRule the_upload_client_depends_on_no_server_code =
      noClasses()
          .that().resideInAPackage("dev.forgeupload.client..")
          .should().dependOnClassesThat(
              resideInAPackage("dev.forgeupload..")
                  .and(not(resideInAPackage("dev.forgeupload.client.."))))
          .orShould().dependOnClassesThat().resideInAnyPackage(
              "jakarta.servlet..", "org.eclipse.jetty..", "org.jooq..", "redis.clients..",
              "io.minio..", "io.micrometer..", "me.desair.tus..", "com.zaxxer..",
              "org.flywaydb..", "org.postgresql..", "io.zonky..", "org.apache.tika..",
              "com.nimbusds..", "org.slf4j..", "ch.qos.logback..");

  /** Every package's allowed arrows, in one table; a new package must be added to it. */
  @ArchTest
  static final ArchRule packages_depend_only_on_what_they_are_allowed =
      layeredArchitecture()
          .consideringOnlyDependenciesInLayers()
          .ensureAllClassesAreContainedInArchitecture()
          .layer("root").definedBy("dev.forgeupload")
          .layer("config").definedBy("dev.forgeupload.config..")
          .layer("core").definedBy("dev.forgeupload.core..")
          .layer("auth").definedBy("dev.forgeupload.auth..")
          .layer("db").definedBy("dev.forgeupload.db..")
          .layer("queue").definedBy("dev.forgeupload.queue..")
          .layer("objectstore").definedBy("dev.forgeupload.objectstore..")
          .layer("staging").definedBy("dev.forgeupload.staging..")
          .layer("objects").definedBy("dev.forgeupload.objects..")
          .layer("s3staging").definedBy("dev.forgeupload.s3staging..")
          .layer("worker").definedBy("dev.forgeupload.worker..")
          .layer("embedded").definedBy("dev.forgeupload.embedded..")
          .layer("http").definedBy("dev.forgeupload.http..")
          .layer("tus").definedBy("dev.forgeupload.tus..")
          .layer("hooks").definedBy("dev.forgeupload.hooks..")
          .layer("cli").definedBy("dev.forgeupload.cli..")
          .layer("sync").definedBy("dev.forgeupload.sync..")
          .layer("client").definedBy("dev.forgeupload.client..")
          .layer("shares").definedBy("dev.forgeupload.shares..")
          .layer("versions").definedBy("dev.forgeupload.versions..")
          .whereLayer("core").mayNotAccessAnyLayer()
          .whereLayer("config").mayOnlyAccessLayers("core")
          .whereLayer("auth").mayOnlyAccessLayers("core")
          .whereLayer("db").mayOnlyAccessLayers(
              "core", "auth", "sync", "shares", "versions", "objects", "s3staging", "staging")
          .whereLayer("queue").mayOnlyAccessLayers("core", "auth")
          .whereLayer("objectstore").mayOnlyAccessLayers("core", "s3staging")
          .whereLayer("staging").mayOnlyAccessLayers("core")
          .whereLayer("objects").mayOnlyAccessLayers("core")
          .whereLayer("s3staging").mayOnlyAccessLayers("core")
          .whereLayer("worker").mayOnlyAccessLayers("core", "objects")
          .whereLayer("embedded").mayNotAccessAnyLayer()
          .whereLayer("http").mayOnlyAccessLayers("core", "auth", "sync", "shares", "versions")
          .whereLayer("tus").mayOnlyAccessLayers("core", "auth", "http")
          .whereLayer("hooks").mayOnlyAccessLayers("core")
          .whereLayer("cli").mayOnlyAccessLayers("auth", "core")
          .whereLayer("sync").mayOnlyAccessLayers("core", "auth")
          .whereLayer("client").mayNotAccessAnyLayer()
          .whereLayer("shares").mayOnlyAccessLayers("core", "auth")
          .whereLayer("versions").mayOnlyAccessLayers("core");
}
