package dev.forgeupload.shares;

import java.util.UUID;

/** The contract on the map store the fast tests use, so it behaves like PostgreSQL's. */
class MemoryShareStoreTest extends ShareStoreContract {
  private final MemoryShareStore store = new MemoryShareStore();

  @Override
  protected ShareStore store() {
    return store;
  }

  @Override
  protected UUID newUpload() {
    return UUID.randomUUID();
  }
}
