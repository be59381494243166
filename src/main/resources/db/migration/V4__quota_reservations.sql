-- A PATCH on an upload of deferred length reserves the bytes it may write (up to reserved_end)
-- under the owner's lock before it reads the body, so parallel PATCHes cannot each see the same
-- free quota. A reservation counts only while its upload's lock lease is alive: a node killed
-- mid-PATCH leaves nothing held once the lease lapses.
ALTER TABLE uploads ADD COLUMN reserved_end bigint CHECK (reserved_end >= 0);
