package dev.forgeupload.core;

import java.time.Clock;

/**
 * The core's pieces, wired once: the write path, the lifecycle, the content reader and gate, the
 * quota. Each has one reason to change; callers take the piece they need.
 */
public record Uploads(
    UploadWriter writer, Lifecycle lifecycle, ContentReader reader, ContentGate gate,
    Quota quota) {

  public static Uploads wire(
      UploadRepository repo, StagingStore staging, ObjectStore objects, JobQueue queue,
      UploadEvents events, UploadMetrics metrics, ContentPolicy policy, OwnerLimits limits,
      Clock clock, UploadWriter.Settings settings) {
    ContentReader reader = new ContentReader(repo, staging, objects);
    ContentGate gate = new ContentGate(policy, repo, staging, events, reader);
    Quota quota = new Quota(repo).with(limits);
    Lifecycle lifecycle =
        new Lifecycle(repo, staging, objects, queue, events, metrics, gate, clock);
    UploadWriter writer =
        new UploadWriter(repo, staging, events, metrics, gate, quota, lifecycle, clock, settings);
    return new Uploads(writer, lifecycle, reader, gate, quota);
  }
}
