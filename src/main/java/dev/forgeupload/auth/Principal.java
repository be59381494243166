package dev.forgeupload.auth;

import java.time.Instant;
import java.util.UUID;

/**
 * Who sent a request: the owner ({@code subject}) of what it creates and sees, and whether it may
 * see everyone's uploads ({@code admin}). With {@code FORGE_AUTH=none} every request is {@link
 * #OPEN}: no owner, admin rights (the server is reachable from this machine only).
 *
 * <p>What a long-lived response (the event stream) needs to end with its credential: {@code
 * expiresAt} (a JWT's {@code exp}; null when the credential does not expire) and {@code keyId}
 * (the API key's id, to see its revocation; null for anything else).
 */
public record Principal(
    String subject, boolean admin, String via, Instant expiresAt, UUID keyId) {
  public static final Principal OPEN = new Principal(null, true, "none");

  /** A principal whose credential neither expires nor can be revoked while in use. */
  public Principal(String subject, boolean admin, String via) {
    this(subject, admin, via, null, null);
  }

  /** True once the credential's expiry has passed (never for one without). */
  public boolean expired(Instant now) {
    return expiresAt != null && !now.isBefore(expiresAt);
  }

  /** May this principal see (and act on) an upload of {@code owner}? */
  public boolean canSee(String owner) {
    return admin || (subject != null && subject.equals(owner));
  }

  /** Control characters (NUL included, which PostgreSQL text cannot hold) have no place in a name. */
  public static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return true;
      }
    }
    return false;
  }

  /** The owner filter for listings: null (everything) for admins. */
  public String ownerFilter() {
    return admin ? null : subject;
  }
}
