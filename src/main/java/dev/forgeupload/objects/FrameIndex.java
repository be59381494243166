package dev.forgeupload.objects;

import java.util.Arrays;

/**
 * Where an object's frames are: frame {@code i} holds original bytes {@code [i*frameBytes,
 * min((i+1)*frameBytes, length))} and sits at {@code [offsets[i], offsets[i+1])} in the object
 * (the last frame ends at {@code physicalBytes}). A range of original bytes is read by fetching
 * only the frames that overlap it.
 */
public record FrameIndex(int frameBytes, long[] offsets, long length, long physicalBytes) {

  public FrameIndex {
    if (frameBytes <= 0) {
      throw new IllegalArgumentException("frameBytes must be positive");
    }
    long frames = length == 0 ? 0 : (length - 1) / frameBytes + 1;
    if (offsets.length != frames) {
      throw new IllegalArgumentException(
          "an object of " + length + " bytes in frames of " + frameBytes + " has " + frames
              + " frames, the index lists " + offsets.length);
    }
    for (int i = 0; i < offsets.length; i++) {
      long end = i + 1 < offsets.length ? offsets[i + 1] : physicalBytes;
      if (offsets[i] < 0 || end < offsets[i]) {
        throw new IllegalArgumentException("frame offsets must rise from 0");
      }
    }
    offsets = offsets.clone();
  }

  public int frames() {
    return offsets.length;
  }

  /** Original bytes in frame {@code i}. */
  public int originalSize(int i) {
    return (int) Math.min(frameBytes, length - (long) i * frameBytes);
  }

  /** Bytes frame {@code i} takes in the object. */
  public int storedSize(int i) {
    long end = i + 1 < offsets.length ? offsets[i + 1] : physicalBytes;
    return (int) (end - offsets[i]);
  }

  /** The frame that holds original byte {@code at}. */
  public int frameOf(long at) {
    return (int) (at / frameBytes);
  }

  /** Where frame {@code i} starts in the object. */
  public long offset(int i) {
    return offsets[i];
  }

  /** Where frame {@code i} ends in the object (exclusive). */
  public long end(int i) {
    return i + 1 < offsets.length ? offsets[i + 1] : physicalBytes;
  }

  @Override
  public long[] offsets() {
    return offsets.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FrameIndex f && f.frameBytes == frameBytes && f.length == length
        && f.physicalBytes == physicalBytes && Arrays.equals(f.offsets, offsets);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(offsets) * 31 + Long.hashCode(length);
  }

  @Override
  public String toString() {
    return "FrameIndex[frameBytes=" + frameBytes + ", frames=" + offsets.length + ", length="
        + length + ", physicalBytes=" + physicalBytes + "]";
  }
}
