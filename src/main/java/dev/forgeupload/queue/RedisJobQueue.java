package dev.forgeupload.queue;

import dev.forgeupload.core.JobQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Jobs in a Redis Stream read by a consumer group. A marker key per upload says a job is pending,
 * set together with the stream entry and removed together with the acknowledgement (Lua scripts,
 * atomic in Redis); the marker expires after a while so that a marker whose entry was somehow lost
 * only delays the reconciler, never blocks it. Every name comes from {@link RedisNames}: the
 * stream and markers are the namespace's, the group is this database's ({@link #leave}).
 */
public final class RedisJobQueue implements JobQueue {
  private static final Logger log = LoggerFactory.getLogger(RedisJobQueue.class);
  private static final long MARKER_TTL_SECONDS = 600;
  private static final String ENQUEUE =
      "if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then "
          + "return redis.call('XADD', KEYS[2], '*', 'upload', ARGV[1]) end "
          + "return false";
  private static final String ACK =
      "redis.call('XACK', KEYS[2], ARGV[1], ARGV[2]); redis.call('XDEL', KEYS[2], ARGV[2]); "
          + "return redis.call('DEL', KEYS[1])";

  private final RedisClient redis;
  private final RedisNames names;
  private final String stream;
  private final String group;

  public RedisJobQueue(RedisClient redis, RedisNames names) {
    this.redis = redis;
    this.names = names;
    this.stream = names.jobs();
    this.group = names.workers();
  }

  private void ensureGroup() {
    try {
      redis.xgroupCreate(stream, group, new StreamEntryID(0, 0), true);
    } catch (JedisDataException e) {
      if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
        throw e;
      }
    }
  }

  @Override
  public void enqueue(UUID uploadId) {
    redis.eval(
        ENQUEUE,
        List.of(names.pending(uploadId), stream),
        List.of(uploadId.toString(), Long.toString(MARKER_TTL_SECONDS)));
  }

  /** One pipelined round trip for all of them. */
  @Override
  public void enqueueAll(List<UUID> uploadIds) {
    if (uploadIds.size() == 1) {
      enqueue(uploadIds.get(0));
      return;
    }
    try (AbstractPipeline p = redis.pipelined()) {
      for (UUID id : uploadIds) {
        p.eval(ENQUEUE, List.of(names.pending(id), stream),
            List.of(id.toString(), Long.toString(MARKER_TTL_SECONDS)));
      }
      p.sync();
    }
  }

  @Override
  public boolean isPending(UUID uploadId) {
    return redis.exists(names.pending(uploadId));
  }

  @Override
  public Optional<Job> next(String consumer, Duration block) {
    List<Map.Entry<String, List<StreamEntry>>> res;
    try {
      res = read(consumer, block);
    } catch (JedisDataException e) {
      if (!String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
        throw e;
      }
      // First start, or Redis lost everything: (re)create the group and read again.
      ensureGroup();
      res = read(consumer, block);
    }
    if (res == null) {
      return Optional.empty();
    }
    for (Map.Entry<String, List<StreamEntry>> stream : res) {
      for (StreamEntry e : stream.getValue()) {
        return Optional.of(toJob(e));
      }
    }
    return Optional.empty();
  }

  private List<Map.Entry<String, List<StreamEntry>>> read(String consumer, Duration block) {
    return redis.xreadGroup(
        group,
        consumer,
        XReadGroupParams.xReadGroupParams().count(1).block((int) block.toMillis()),
        Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
  }

  @Override
  public List<Job> claimStale(String consumer, Duration minIdle, int count) {
    List<Job> jobs = new ArrayList<>();
    try {
      Map.Entry<StreamEntryID, List<StreamEntry>> res =
          redis.xautoclaim(
              stream,
              group,
              consumer,
              minIdle.toMillis(),
              new StreamEntryID(0, 0),
              XAutoClaimParams.xAutoClaimParams().count(count));
      for (StreamEntry e : res.getValue()) {
        if (e != null && e.getFields() != null) {
          jobs.add(toJob(e));
        }
      }
    } catch (JedisDataException e) {
      if (!String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
        throw e;
      }
      ensureGroup();
    }
    return jobs;
  }

  private static Job toJob(StreamEntry e) {
    String upload = e.getFields().get("upload");
    UUID id = null;
    try {
      id = UUID.fromString(upload);
    } catch (RuntimeException ex) {
      log.warn("JobMalformed entry={} fields={}", e.getID(), e.getFields());
    }
    return new Job(e.getID().toString(), id);
  }

  /** XCLAIM by the owner with no minimum idle time: only the entry's idle time changes. */
  @Override
  public void touch(Job job, String consumer) {
    redis.xclaimJustId(
        stream, group, consumer, 0, XClaimParams.xClaimParams(), new StreamEntryID(job.messageId()));
  }

  @Override
  public void ack(Job job) {
    redis.eval(
        ACK,
        List.of(names.pending(job.uploadId()), stream),
        List.of(group, job.messageId()));
  }

  /**
   * Acknowledged in this database's group only: the entry and the upload's marker stay, and the
   * owner's group (its own deployment id) still delivers the job to the owner's workers.
   */
  @Override
  public void leave(Job job) {
    redis.xack(stream, group, new StreamEntryID(job.messageId()));
  }

  @Override
  public boolean isReachable() {
    try {
      return "PONG".equals(redis.ping());
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public void close() {
    redis.close();
  }
}
