package dev.forgeupload.core;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The hook events: tusd's seven (same names, same meaning) and ForgeUpload's {@code post-store}
 * (the object is in S3) and {@code post-fail} (the upload failed: its content was refused, or
 * storing it ran out of attempts). {@code pre-*} hooks block the request; {@code post-*} ones
 * are notifications, delivered from the outbox.
 */
public enum HookType {
  PRE_CREATE("pre-create"),
  POST_CREATE("post-create"),
  POST_RECEIVE("post-receive"),
  PRE_FINISH("pre-finish"),
  POST_FINISH("post-finish"),
  PRE_TERMINATE("pre-terminate"),
  POST_TERMINATE("post-terminate"),
  POST_STORE("post-store"),
  POST_FAIL("post-fail");

  /** What {@code FORGE_HOOKS_EVENTS} selects when unset. */
  public static final Set<HookType> DEFAULTS =
      EnumSet.of(PRE_CREATE, POST_CREATE, POST_RECEIVE, POST_FINISH, POST_TERMINATE, POST_STORE);

  private final String wireName;

  HookType(String wireName) {
    this.wireName = wireName;
  }

  /** The name on the wire ({@code Type} in the hook request) and in configuration. */
  public String wireName() {
    return wireName;
  }

  public boolean blocking() {
    return wireName.startsWith("pre-");
  }

  public static Optional<HookType> of(String wireName) {
    for (HookType t : values()) {
      if (t.wireName.equals(wireName)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
