package dev.forgeupload.http;

import java.util.HashMap;
import java.util.Map;

/**
 * Counts the event streams open on this node per owner and per client address, and refuses one
 * past either cap ({@code FORGE_MAX_EVENT_STREAMS_PER_OWNER} / {@code _PER_ADDRESS}; 0 is no cap).
 * In memory, per node: a stream is a connection to this process, so this process is where it
 * costs. A request without an owner ({@code FORGE_AUTH=none}) is counted by address only.
 */
final class StreamLimits {
  private final int perOwner;
  private final int perAddress;
  private final Map<String, Integer> owners = new HashMap<>();
  private final Map<String, Integer> addresses = new HashMap<>();
  private int total;

  StreamLimits(int perOwner, int perAddress) {
    this.perOwner = perOwner;
    this.perAddress = perAddress;
  }

  /** Which cap a refused stream hit. */
  enum Refusal {
    OWNER,
    ADDRESS
  }

  int perOwner() {
    return perOwner;
  }

  int perAddress() {
    return perAddress;
  }

  /** Counts a new stream and returns null, or returns the cap it would pass (nothing counted). */
  synchronized Refusal tryAcquire(String owner, String address) {
    if (owner != null && perOwner > 0 && owners.getOrDefault(owner, 0) >= perOwner) {
      return Refusal.OWNER;
    }
    if (perAddress > 0 && addresses.getOrDefault(address, 0) >= perAddress) {
      return Refusal.ADDRESS;
    }
    if (owner != null) {
      owners.merge(owner, 1, Integer::sum);
    }
    addresses.merge(address, 1, Integer::sum);
    total++;
    return null;
  }

  /** Uncounts a stream that {@link #tryAcquire} admitted (exactly once per admission). */
  synchronized void release(String owner, String address) {
    if (owner != null) {
      owners.computeIfPresent(owner, (k, n) -> n <= 1 ? null : n - 1);
    }
    addresses.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
    total--;
  }

  synchronized int total() {
    return total;
  }

  synchronized int owner(String owner) {
    return owners.getOrDefault(owner, 0);
  }

  synchronized int address(String address) {
    return addresses.getOrDefault(address, 0);
  }
}
