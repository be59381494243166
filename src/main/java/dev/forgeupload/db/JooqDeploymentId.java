package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.DEPLOYMENT;

import java.security.SecureRandom;
import java.util.HexFormat;
import org.jooq.DSLContext;

/**
 * This database's deployment id (the one row of {@code deployment}): 64 random bits in hex,
 * written by the first process that starts on the database, read by every later one. Processes
 * starting at once race on the insert; the primary key lets one win and all read the winner.
 */
public final class JooqDeploymentId {
  private static final SecureRandom RANDOM = new SecureRandom();

  private JooqDeploymentId() {}

  /** The id, generated now when the database has none yet. */
  public static String of(DSLContext dsl) {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    dsl.insertInto(DEPLOYMENT)
        .set(DEPLOYMENT.ID, HexFormat.of().formatHex(bytes))
        .onConflictDoNothing()
        .execute();
    return dsl.select(DEPLOYMENT.ID).from(DEPLOYMENT).fetchSingle(DEPLOYMENT.ID);
  }
}
