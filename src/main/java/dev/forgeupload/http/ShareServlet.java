package dev.forgeupload.http;

import dev.forgeupload.core.Problem;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.shares.ShareLinks;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET|HEAD /s/<token>}: a share link's download, without any credential (the token is
 * the credential). The bytes go out through {@link ContentResponder} (ranges, ETag, safe headers),
 * always as an attachment; each GET that sends bytes counts as one download. Errors are the API's
 * JSON; an unknown, malformed or revoked token is a 404, an expired or used-up link a 410.
 */
public final class ShareServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  public static final String PATH = "/s/*";

  private final transient ShareLinks shares;
  private final transient ContentResponder content;
  private final transient ErrorWriter errors;

  public ShareServlet(ShareLinks shares, ContentResponder content, ErrorWriter errors) {
    this.shares = shares;
    this.content = content;
    this.errors = errors;
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    resp.setHeader("X-Robots-Tag", "noindex, nofollow");
    resp.setHeader("Cache-Control", "no-store");
    try {
      if (!req.getMethod().equals("GET") && !req.getMethod().equals("HEAD")) {
        resp.setHeader("Allow", "GET, HEAD");
        throw new UploadException(Problem.METHOD_NOT_ALLOWED, req.getMethod() + " is not allowed here");
      }
      String info = req.getPathInfo();
      String token = info == null ? "" : info.substring(1);
      ShareLinks.Opened o = shares.open(token);
      content.sendShared(o.upload(), req, resp,
          (from, count) -> shares.count(o, req.getRemoteAddr(), from, count));
    } catch (UploadException e) {
      errors.api(req, resp, e);
    }
  }
}
