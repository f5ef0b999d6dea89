-- 0003: the audit trail's hash chain. Each record carries the SHA-256 (hex) of the record before
-- it and its own hash; records written before this migration keep NULL in both (the chain starts
-- at the first record written after it; see docs/PERSISTENCE.md).
ALTER TABLE audit ADD COLUMN prev_hash TEXT, ADD COLUMN hash TEXT;
