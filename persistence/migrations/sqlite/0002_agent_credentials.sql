-- 0002: agent tokens, kept only as SHA-256 hex digests and apart from the agents' documents.
CREATE TABLE agent_credentials (
  key TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);
