package dev.forgeupload.db;

import dev.forgeupload.core.NewUpload;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for new uploads: the creations that wait at the same moment (a burst of small
 * uploads that arrived whole, many clients starting at once) are inserted by one statement (rows,
 * audit entries and the bytes of the small ones, from arrays) and one commit, so PostgreSQL
 * parses, plans, starts and flushes its WAL once for the group instead of once per upload. A
 * caller waits until the commit that holds its row: a 201 still means the row (and bytes kept
 * with it) is durable. Nothing waits for a group to fill: a writer takes what is queued when it
 * is free, so a lone upload goes at once and a burst forms groups by itself.
 *
 * <p>{@link #WRITERS} threads write (one can commit while the other gathers); they stop after a
 * while without work and start again on demand. A group refused for one row's data is inserted
 * again one upload at a time ({@link UploadInsert}), so the bad row fails only its own request.
 * Final uploads and owners under limits are not grouped (they lock rows first, see {@link
 * JooqUploadRepository}).
 */
final class CreationInserts {
  private static final Logger log = LoggerFactory.getLogger(CreationInserts.class);
  static final int WRITERS = 2;
  /** At most this many uploads per statement. */
  static final int MAX_GROUP = 64;
  /**
   * A group takes no more uploads once it holds this many inline bytes (the driver copies them
   * once more to send them; FORGE_INLINE_MAX_BYTES may be up to 1 MiB).
   */
  static final long MAX_GROUP_BYTES = 4L << 20;
  private static final long IDLE_SECONDS = 30;

  private static final String SQL =
      """
      with r as (
        select * from unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::bigint[],
            ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[],
            ?::bool[], ?::bool[], ?::bytea[])
          with ordinality as r(id, owner, filename, content_type, length, "offset", upload_type,
            metadata, metadata_header, creator_address, expires_at, state, complete, queued,
            bytes, ord)),
      u as (
        insert into uploads (id, owner, filename, content_type, length, "offset", upload_type,
            metadata, metadata_header, creator_address, expires_at, completed_at, state,
            queued_at)
        select id, owner, filename, content_type, length, "offset", upload_type,
            metadata::jsonb, metadata_header, creator_address, expires_at,
            case when complete then current_timestamp end, state,
            case when queued then current_timestamp end
        from r order by ord
        returning id, owner, filename, length, "offset", creator_address, created_at,
            updated_at, completed_at, expires_at),
      a as (
        insert into audit_log (actor, action, upload_id, address, detail)
        select u.owner, x.action, u.id, u.creator_address, x.detail
        from u join r on r.id = u.id cross join lateral (values
            (1, 'upload.created', jsonb_build_object('length', u.length, 'filename', u.filename)),
            (2, 'upload.finished', jsonb_build_object('bytes', u."offset"))) as x(n, action, detail)
        where x.n = 1 or r.complete
        order by r.ord, x.n),
      b as (
        insert into inline_bodies (upload_id, bytes)
        select id, bytes from r where bytes is not null order by ord)
      select id, created_at, updated_at, completed_at, expires_at from u""";

  private final DSLContext dsl;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger writers = new AtomicInteger();

  CreationInserts(DSLContext dsl) {
    this.dsl = dsl;
  }

  /**
   * Inserts {@code n} with its first {@code offset} bytes received (durable in staging, or
   * {@code inline}: all of them, kept with the row) and its creation audited, {@code
   * upload.finished} too when they complete it; returns once committed.
   */
  Upload insert(NewUpload n, long offset, String contentType, byte[] inline) {
    if (n.kind() == UploadKind.FINAL
        || (inline != null && (n.length() == null || n.length() != inline.length))) {
      throw new IllegalArgumentException(
          "not a new upload for a group: a final, or inline bytes that are not all of it");
    }
    Pending p = new Pending(n, offset, contentType, inline);
    queue.add(p);
    startWriterIfNeeded();
    try {
      return p.result.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw e;
    }
  }

  private void startWriterIfNeeded() {
    int w;
    while ((w = writers.get()) < WRITERS) {
      if (writers.compareAndSet(w, w + 1)) {
        Thread t = new Thread(this::write, "creation-insert");
        t.setDaemon(true);
        t.start();
        return;
      }
    }
  }

  private void write() {
    List<Pending> group = new ArrayList<>(MAX_GROUP);
    while (true) {
      Pending first;
      try {
        first = queue.poll(IDLE_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        first = null;
      }
      if (first == null) {
        writers.decrementAndGet();
        if (queue.isEmpty()) {
          return;
        }
        // queued while this writer gave up: it takes the work back unless another one started
        if (writers.incrementAndGet() <= WRITERS) {
          continue;
        }
        writers.decrementAndGet();
        return;
      }
      group.add(first);
      long bytes = first.size();
      Pending next;
      while (group.size() < MAX_GROUP && bytes < MAX_GROUP_BYTES
          && (next = queue.poll()) != null) {
        group.add(next);
        bytes += next.size();
      }
      try {
        insertGroup(group);
      } catch (RuntimeException | Error e) {
        // no caller may wait forever
        group.forEach(p -> p.result.completeExceptionally(e));
        if (e instanceof Error err) {
          writers.decrementAndGet();
          throw err;
        }
      } finally {
        group.clear();
      }
    }
  }

  private void insertGroup(List<Pending> group) {
    try {
      Map<UUID, Times> times = insertAll(group);
      for (Pending p : group) {
        p.result.complete(p.upload(times.get(p.n.id())));
      }
      return;
    } catch (RuntimeException e) {
      if (!refusedData(e)) {
        // the database is away or failing: every queued upload would wait for it in turn, so
        // all of them fail now, as each would have alone
        List<Pending> waiting = new ArrayList<>();
        queue.drainTo(waiting);
        log.warn("CreationInsertFailed uploads={} error={}", group.size() + waiting.size(),
            e.toString());
        waiting.forEach(p -> p.result.completeExceptionally(e));
        throw e;
      }
      if (group.size() == 1) {
        throw e;
      }
      log.warn("CreationGroupRefused uploads={} error={} (inserting them one by one)",
          group.size(), e.toString());
    }
    for (Pending p : group) {
      try {
        p.result.complete(UploadInsert.insert(dsl, p.n, p.offset, p.contentType, p.bytes));
      } catch (RuntimeException e) {
        p.result.completeExceptionally(e);
      }
    }
  }

  /** A row the database refused (data or constraint, SQLSTATE class 22 or 23). */
  static boolean refusedData(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"))) {
        return true;
      }
    }
    return false;
  }

  private Map<UUID, Times> insertAll(List<Pending> group) {
    int size = group.size();
    UUID[] ids = new UUID[size];
    String[] owners = new String[size];
    String[] filenames = new String[size];
    String[] contentTypes = new String[size];
    Long[] lengths = new Long[size];
    Long[] offsets = new Long[size];
    String[] kinds = new String[size];
    String[] metadata = new String[size];
    String[] headers = new String[size];
    String[] addresses = new String[size];
    String[] expires = new String[size];
    String[] states = new String[size];
    Boolean[] complete = new Boolean[size];
    Boolean[] queued = new Boolean[size];
    byte[][] bytes = new byte[size][];
    for (int i = 0; i < size; i++) {
      Pending p = group.get(i);
      NewUpload n = p.n;
      ids[i] = n.id();
      owners[i] = n.owner();
      filenames[i] = n.filename();
      contentTypes[i] = p.contentType;
      lengths[i] = n.length();
      offsets[i] = p.offset;
      kinds[i] = n.kind().dbName();
      metadata[i] = UploadRows.toJson(n.metadata());
      headers[i] = n.metadataHeader();
      addresses[i] = n.creatorAddress();
      expires[i] = n.expiresAt() == null ? null : n.expiresAt().toString();
      states[i] = p.state().dbName();
      complete[i] = p.complete();
      queued[i] = p.state() == UploadState.QUEUED;
      bytes[i] = p.bytes;
    }
    return dsl.connectionResult(c -> {
      try (PreparedStatement ps = c.prepareStatement(SQL)) {
        int i = 0;
        ps.setArray(++i, c.createArrayOf("uuid", ids));
        ps.setArray(++i, c.createArrayOf("text", owners));
        ps.setArray(++i, c.createArrayOf("text", filenames));
        ps.setArray(++i, c.createArrayOf("text", contentTypes));
        ps.setArray(++i, c.createArrayOf("int8", lengths));
        ps.setArray(++i, c.createArrayOf("int8", offsets));
        ps.setArray(++i, c.createArrayOf("text", kinds));
        ps.setArray(++i, c.createArrayOf("text", metadata));
        ps.setArray(++i, c.createArrayOf("text", headers));
        ps.setArray(++i, c.createArrayOf("text", addresses));
        ps.setArray(++i, c.createArrayOf("text", expires));
        ps.setArray(++i, c.createArrayOf("text", states));
        ps.setArray(++i, c.createArrayOf("bool", complete));
        ps.setArray(++i, c.createArrayOf("bool", queued));
        ps.setArray(++i, c.createArrayOf("bytea", bytes));
        return times(ps, size);
      }
    });
  }

  private static Map<UUID, Times> times(PreparedStatement ps, int size) throws SQLException {
    Map<UUID, Times> times = new HashMap<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        times.put(rs.getObject(1, UUID.class),
            new Times(rs.getObject(2, OffsetDateTime.class), rs.getObject(3, OffsetDateTime.class),
                rs.getObject(4, OffsetDateTime.class), rs.getObject(5, OffsetDateTime.class)));
      }
    }
    if (times.size() != size) {
      throw new DataAccessException(
          "the insert of " + size + " uploads returned " + times.size() + " rows");
    }
    return times;
  }

  private record Times(
      OffsetDateTime created, OffsetDateTime updated, OffsetDateTime completed,
      OffsetDateTime expires) {}

  private static final class Pending {
    final NewUpload n;
    final long offset;
    final String contentType;
    final byte[] bytes;
    final CompletableFuture<Upload> result = new CompletableFuture<>();

    Pending(NewUpload n, long offset, String contentType, byte[] bytes) {
      this.n = n;
      this.offset = offset;
      this.contentType = contentType;
      this.bytes = bytes;
    }

    long size() {
      return bytes == null ? 0 : bytes.length;
    }

    /** As {@link UploadInsert}: all bytes of a regular or partial upload are in. */
    boolean complete() {
      return n.length() != null && n.length() == offset;
    }

    /** A complete regular upload is queued for storing; anything else is still uploading. */
    UploadState state() {
      return complete() && n.kind() == UploadKind.REGULAR
          ? UploadState.QUEUED : UploadState.UPLOADING;
    }

    Upload upload(Times t) {
      return new Upload(n.id(), n.owner(), n.filename(), contentType, n.length(), offset,
          state(), n.kind(), n.concatParts(), n.metadata(), n.metadataHeader(), null, null,
          null, n.creatorAddress(), t.created(), t.updated(), t.completed(), null, t.expires());
    }
  }
}
