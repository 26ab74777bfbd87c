-- Liveness frames carry what the client sent with them (captured_at, nonce).
ALTER TABLE evidence ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';

-- Perceptual hashes of frames and selfies, to catch media replayed into
-- another verification. A hash within 3 bits of another shares one of its
-- four 16-bit bands exactly, so the bands are the lookup keys.
CREATE TABLE media_hashes (
  verification_id  TEXT NOT NULL,
  hash             BIGINT NOT NULL,
  band0            INTEGER NOT NULL,
  band1            INTEGER NOT NULL,
  band2            INTEGER NOT NULL,
  band3            INTEGER NOT NULL,
  created_at       BIGINT NOT NULL
);
CREATE INDEX media_hashes_band0 ON media_hashes(band0);
CREATE INDEX media_hashes_band1 ON media_hashes(band1);
CREATE INDEX media_hashes_band2 ON media_hashes(band2);
CREATE INDEX media_hashes_band3 ON media_hashes(band3);
