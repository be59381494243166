package dev.forgeupload.auth;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Who sent a request: the owner ({@code subject}) of what it creates and sees, and whether it may
 * see everyone's uploads ({@code admin}). With {@code FORGE_AUTH=none} every request is {@link
 * #OPEN}: no owner, admin rights (the server is reachable from this machine only).
 */
public record Principal(String subject, boolean admin, String via) {
  public static final Principal OPEN = new Principal(null, true, "none");
  static final String ATTRIBUTE = Principal.class.getName();

  /** The principal the authentication filter attached; none attached means no access at all. */
  public static Principal of(HttpServletRequest req) {
    Object p = req.getAttribute(ATTRIBUTE);
    if (p instanceof Principal principal) {
      return principal;
    }
    throw new IllegalStateException("request reached a protected servlet without authentication");
  }

  public void attach(HttpServletRequest req) {
    req.setAttribute(ATTRIBUTE, this);
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
