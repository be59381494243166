package dev.forgeupload.s3staging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** {@link StagingRows} in memory. */
final class FakeRows implements StagingRows {
  final Map<UUID, Staged> staged = new ConcurrentHashMap<>();
  final Map<UUID, TreeMap<Integer, String>> parts = new ConcurrentHashMap<>();
  final Map<UUID, TreeMap<Long, Checkpoint>> checkpoints = new ConcurrentHashMap<>();

  @Override
  public Optional<Staged> find(UUID id) {
    return Optional.ofNullable(staged.get(id));
  }

  @Override
  public void insert(Staged s) {
    if (staged.putIfAbsent(s.id(), s) != null) {
      throw new IllegalStateException("duplicate");
    }
  }

  @Override
  public void putPart(UUID id, int number, String etag) {
    parts.computeIfAbsent(id, k -> new TreeMap<>()).put(number, etag);
  }

  @Override
  public List<S3Parts.Part> parts(UUID id, int upTo) {
    List<S3Parts.Part> out = new ArrayList<>();
    parts.getOrDefault(id, new TreeMap<>()).headMap(upTo, true)
        .forEach((n, e) -> out.add(new S3Parts.Part(n, e)));
    return out;
  }

  @Override
  public void putCheckpoint(UUID id, Checkpoint c) {
    if (checkpoints.computeIfAbsent(id, k -> new TreeMap<>()).putIfAbsent(c.offset(), c)
        != null) {
      throw new IllegalStateException("checkpoint overwritten at " + c.offset());
    }
  }

  @Override
  public Optional<Checkpoint> checkpoint(UUID id, long offset) {
    return Optional.ofNullable(checkpoints.getOrDefault(id, new TreeMap<>()).get(offset));
  }

  @Override
  public List<Checkpoint> checkpoints(UUID id) {
    return new ArrayList<>(checkpoints.getOrDefault(id, new TreeMap<>()).values());
  }

  @Override
  public void deleteCheckpoint(UUID id, long offset) {
    checkpoints.getOrDefault(id, new TreeMap<>()).remove(offset);
  }

  private void update(UUID id, java.util.function.UnaryOperator<Staged> f) {
    staged.computeIfPresent(id, (k, s) -> f.apply(s));
  }

  @Override
  public void setHead(UUID id, byte[] head) {
    update(id, s -> new Staged(s.id(), s.objectKey(), s.multipartId(), s.partBytes(), head,
        s.sealed(), s.handedOver()));
  }

  @Override
  public void markSealed(UUID id) {
    update(id, s -> new Staged(s.id(), s.objectKey(), s.multipartId(), s.partBytes(), s.head(),
        true, s.handedOver()));
  }

  @Override
  public void markHandedOver(UUID id) {
    update(id, s -> new Staged(s.id(), s.objectKey(), s.multipartId(), s.partBytes(), s.head(),
        s.sealed(), true));
  }

  @Override
  public void delete(UUID id) {
    staged.remove(id);
    parts.remove(id);
    checkpoints.remove(id);
  }

  @Override
  public List<Aged> all() {
    return staged.keySet().stream().map(id -> new Aged(id, Duration.ZERO)).toList();
  }

  @Override
  public Set<String> owned(Collection<String> multipartIds) {
    Set<String> out = new HashSet<>();
    for (Staged s : staged.values()) {
      if (multipartIds.contains(s.multipartId())) {
        out.add(s.multipartId());
      }
    }
    return out;
  }
}
