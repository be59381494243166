package dev.forgeupload.auth;

/** Requests per minute per key (an owner, a client address), shared by every node. */
public interface RateLimiter {
  /** Takes one request from {@code key}'s budget: 0 when allowed, else seconds to wait. */
  long acquire(String key, int perMinute);

  RateLimiter UNLIMITED = (key, perMinute) -> 0;
}
