-- 0001: the initial schema. Snapshot tables keep each entity's current JSON document plus
-- the columns lists filter and sort on; journals are append-only, ordered by seq.

CREATE TABLE agents (
  id TEXT COLLATE "C" PRIMARY KEY,
  status TEXT NOT NULL,
  role TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX agents_status_idx ON agents (status);

CREATE TABLE tasks (
  id TEXT COLLATE "C" PRIMARY KEY,
  status TEXT NOT NULL,
  type TEXT NOT NULL,
  priority BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX tasks_status_idx ON tasks (status);
CREATE INDEX tasks_type_idx ON tasks (type);
CREATE INDEX tasks_updated_at_idx ON tasks (updated_at);

CREATE TABLE approvals (
  id TEXT COLLATE "C" PRIMARY KEY,
  status TEXT NOT NULL,
  task_id TEXT,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX approvals_status_idx ON approvals (status);
CREATE INDEX approvals_task_id_idx ON approvals (task_id);

CREATE TABLE alerts (
  id TEXT COLLATE "C" PRIMARY KEY,
  status TEXT NOT NULL,
  severity TEXT NOT NULL,
  type TEXT NOT NULL,
  agent_id TEXT,
  task_id TEXT,
  created_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX alerts_status_idx ON alerts (status);
CREATE INDEX alerts_agent_id_idx ON alerts (agent_id);
CREATE INDEX alerts_task_id_idx ON alerts (task_id);

CREATE TABLE notifications (
  id TEXT COLLATE "C" PRIMARY KEY,
  status TEXT NOT NULL,
  target TEXT NOT NULL,
  next_attempt_at BIGINT,
  created_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX notifications_status_idx ON notifications (status);
CREATE INDEX notifications_target_idx ON notifications (target);

CREATE TABLE runs (
  id TEXT COLLATE "C" PRIMARY KEY,
  agent_id TEXT NOT NULL,
  task_id TEXT,
  started_at BIGINT NOT NULL,
  cost_micros BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX runs_agent_id_idx ON runs (agent_id);
CREATE INDEX runs_task_id_idx ON runs (task_id);
CREATE INDEX runs_started_at_idx ON runs (started_at);

CREATE TABLE tool_calls (
  id TEXT COLLATE "C" PRIMARY KEY,
  agent_id TEXT NOT NULL,
  task_id TEXT,
  created_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX tool_calls_agent_id_idx ON tool_calls (agent_id);
CREATE INDEX tool_calls_task_id_idx ON tool_calls (task_id);

CREATE TABLE documents (
  id TEXT COLLATE "C" PRIMARY KEY,
  type TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX documents_type_idx ON documents (type);
CREATE INDEX documents_created_at_idx ON documents (created_at);

CREATE TABLE webhooks (
  id TEXT COLLATE "C" PRIMARY KEY,
  created_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);

CREATE TABLE policies (
  id TEXT COLLATE "C" PRIMARY KEY,
  created_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);

CREATE TABLE transitions (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX transitions_task_id_idx ON transitions (task_id);

CREATE TABLE messages (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX messages_task_id_idx ON messages (task_id);

CREATE TABLE audit (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL,
  at BIGINT NOT NULL,
  task_id TEXT,
  agent_id TEXT,
  doc TEXT NOT NULL
);
CREATE INDEX audit_at_idx ON audit (at);

CREATE TABLE approval_decisions (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  approval_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX approval_decisions_approval_id_idx ON approval_decisions (approval_id);

CREATE TABLE archived_tasks (
  id TEXT COLLATE "C" PRIMARY KEY,
  status TEXT NOT NULL,
  type TEXT NOT NULL,
  priority BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX archived_tasks_updated_at_idx ON archived_tasks (updated_at);

CREATE TABLE archived_transitions (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX archived_transitions_task_id_idx ON archived_transitions (task_id);

CREATE TABLE archived_messages (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX archived_messages_task_id_idx ON archived_messages (task_id);

CREATE TABLE idempotency (
  key TEXT COLLATE "C" PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  response TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX idempotency_expires_at_idx ON idempotency (expires_at);
