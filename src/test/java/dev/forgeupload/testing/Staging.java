package dev.forgeupload.testing;

import java.util.Locale;
import java.util.Set;

/**
 * Which staging the test servers run with ({@code FORGE_STAGING}), chosen per test JVM by the
 * system property {@code forge.test.staging} ({@code disk}, the default, or {@code s3}). The
 * failsafe executions in pom.xml set it, so one test class runs once per staging without a copy;
 * {@link TestServer} and {@link ServerProcess} pass it on unless the test sets FORGE_STAGING
 * itself.
 */
public final class Staging {
  public static final String PROPERTY = "forge.test.staging";
  private static final Set<String> MODES = Set.of("disk", "s3");

  private Staging() {}

  /** {@code disk} or {@code s3}; anything else stops the test with the property's name. */
  public static String mode() {
    String v = System.getProperty(PROPERTY, "disk").strip().toLowerCase(Locale.ROOT);
    if (v.isEmpty()) {
      return "disk";
    }
    if (!MODES.contains(v)) {
      throw new IllegalStateException(PROPERTY + " must be disk or s3, not '" + v + "'");
    }
    return v;
  }

  public static boolean s3() {
    return "s3".equals(mode());
  }
}
