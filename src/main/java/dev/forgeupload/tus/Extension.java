package dev.forgeupload.tus;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import me.desair.tus.server.HttpMethod;
import me.desair.tus.server.TusExtension;
import me.desair.tus.server.exception.TusException;
import me.desair.tus.server.upload.UploadStorageService;
import me.desair.tus.server.util.TusServletRequest;
import me.desair.tus.server.util.TusServletResponse;

/**
 * A tus extension as the engine sees it: a name, the tus extension names it advertises, the methods
 * it needs and (optionally) the handler it runs for them.
 */
final class Extension implements TusExtension {
  interface Handler {
    void handle(HttpMethod method, TusServletRequest request, TusServletResponse response)
        throws IOException, TusException;
  }

  private final String name;
  private final List<String> advertised;
  private final Collection<HttpMethod> methods;
  private final Handler handler;

  Extension(String name, List<String> advertised, Collection<HttpMethod> methods, Handler handler) {
    this.name = name;
    this.advertised = advertised;
    this.methods = methods;
    this.handler = handler;
  }

  List<String> advertised() {
    return advertised;
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public void validate(
      HttpMethod method, HttpServletRequest request, UploadStorageService storage, String owner) {
    // Header syntax is checked before the lock is taken, in ForgeTusService.
  }

  @Override
  public void process(
      HttpMethod method,
      TusServletRequest request,
      TusServletResponse response,
      UploadStorageService storage,
      String owner)
      throws IOException, TusException {
    if (handler != null && methods.contains(method)) {
      handler.handle(method, request, response);
    }
  }

  @Override
  public void handleError(
      HttpMethod method,
      TusServletRequest request,
      TusServletResponse response,
      UploadStorageService storage,
      String owner) {
    // Errors are written in one place, ForgeTusService.
  }

  @Override
  public Collection<HttpMethod> getMinimalSupportedHttpMethods() {
    return methods;
  }
}
