package dev.forgeupload.config;

/**
 * What one client may send, hold or open: upload and metadata sizes, concatenation parts, the
 * owner's quota and unfinished uploads, request rates, the slowest body, and the caps on event
 * streams and connections counted on this node.
 */
public record LimitsConfig(
    long maxUploadBytes,
    int maxMetadataBytes,
    int maxConcatParts,
    long quotaBytes,
    int maxActiveUploads,
    int rateOwnerPerMinute,
    int rateAddressPerMinute,
    long minBodyBytesPerSecond,
    int maxEventStreamsPerOwner,
    int maxEventStreamsPerAddress,
    int maxConnectionsPerAddress) {

  static LimitsConfig read(EnvReader r) {
    return new LimitsConfig(
        r.longValue("FORGE_MAX_UPLOAD_BYTES", 1L << 40, 1, Long.MAX_VALUE),
        r.intValue("FORGE_MAX_METADATA_BYTES", 16 * 1024, 64, 1024 * 1024),
        r.intValue("FORGE_MAX_CONCAT_PARTS", 100, 1, 10_000),
        r.longValue("FORGE_QUOTA_BYTES", 0, 0, Long.MAX_VALUE),
        r.intValue("FORGE_MAX_ACTIVE_UPLOADS", 100, 0, 1_000_000),
        r.intValue("FORGE_RATE_OWNER_PER_MINUTE", 6000, 0, 10_000_000),
        r.intValue("FORGE_RATE_ADDRESS_PER_MINUTE", 12000, 0, 10_000_000),
        r.longValue("FORGE_MIN_BODY_BYTES_PER_SECOND", 1024, 0, 1L << 30),
        r.intValue("FORGE_MAX_EVENT_STREAMS_PER_OWNER", 16, 0, 1_000_000),
        r.intValue("FORGE_MAX_EVENT_STREAMS_PER_ADDRESS", 64, 0, 1_000_000),
        // Behind a trusted proxy every connection comes from the proxy: no default cap then.
        r.intValue("FORGE_MAX_CONNECTIONS_PER_ADDRESS",
            r.bool("FORGE_TRUST_PROXY", false) ? 0 : 256, 0, 1_000_000));
  }

  /** Connections an address may hold besides its event streams (requests, probes, uploads). */
  static final int CONNECTIONS_BESIDE_STREAMS = 64;

  /**
   * The connection cap in force: never below the address's event-stream cap plus {@link
   * #CONNECTIONS_BESIDE_STREAMS}, so a client that holds all the streams it is allowed can still
   * reach /readyz, the API and tus; 0 stays off.
   */
  public int effectiveConnectionsPerAddress() {
    if (maxConnectionsPerAddress <= 0 || maxEventStreamsPerAddress <= 0) {
      return maxConnectionsPerAddress;
    }
    return Math.max(maxConnectionsPerAddress,
        maxEventStreamsPerAddress + CONNECTIONS_BESIDE_STREAMS);
  }
}
