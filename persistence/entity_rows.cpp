#include "persistence/entity_rows.hpp"

#include "domain/entity_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace mc::persistence {
namespace {

/// The document column: the entity's wire JSON.
template <class T>
std::string doc_text(const T& x) {
  return boost::json::serialize(to_json(x));
}

template <class T>
cell doc_of(const T& x) {
  return cell::of(doc_text(x));
}

cell text(std::string_view s) {
  return cell::of(std::string(s));
}

template <class E>
cell name_of(E e) {
  return text(to_string(e));
}

} // namespace

row to_row(const agent& x) {
  return {table_id::agents,
          0,
          {cell::of(x.id), name_of(x.status), name_of(x.role), cell::of(x.updated_at), doc_of(x)}};
}

row to_row(const task& x) {
  return to_row(x, doc_text(x));
}

row to_row(const task& x, std::string doc) {
  return {table_id::tasks,
          0,
          {cell::of(x.id), name_of(x.status), name_of(x.type), cell::of(std::int64_t{x.priority}),
           cell::of(x.created_at), cell::of(x.updated_at), cell::of(std::move(doc))}};
}

row to_row(const approval& x) {
  return {table_id::approvals,
          0,
          {cell::of(x.id), name_of(x.status), cell::of(x.task_id), cell::of(x.expires_at),
           cell::of(x.created_at), doc_of(x)}};
}

row to_row(const alert& x) {
  return {table_id::alerts,
          0,
          {cell::of(x.id), name_of(x.status), name_of(x.severity), cell::of(x.type),
           cell::of(x.agent_id), cell::of(x.task_id), cell::of(x.created_at), doc_of(x)}};
}

row to_row(const notification& x) {
  return {table_id::notifications,
          0,
          {cell::of(x.id), name_of(x.status), cell::of(x.target), cell::of(x.next_attempt_at),
           cell::of(x.created_at), doc_of(x)}};
}

row to_row(const run& x) {
  return {table_id::runs,
          0,
          {cell::of(x.id), cell::of(x.agent_id), cell::of(x.task_id), cell::of(x.started_at),
           cell::of(x.cost_usd.micros), doc_of(x)}};
}

row to_row(const tool_call& x) {
  return {table_id::tool_calls,
          0,
          {cell::of(x.id), cell::of(x.agent_id), cell::of(x.task_id), cell::of(x.created_at),
           doc_of(x)}};
}

row to_row(const document& x) {
  return {table_id::documents,
          0,
          {cell::of(x.id), cell::of(x.type), cell::of(x.created_at), doc_of(x)}};
}

row to_row(const transition& x) {
  return to_row(x, doc_text(x));
}

row to_row(const transition& x, std::string doc) {
  return {table_id::transitions,
          0,
          {cell::of(x.task_id), cell::of(x.created_at), cell::of(std::move(doc))}};
}

row to_row(const message& x) {
  return {table_id::messages,
          0,
          {cell::of(x.id), cell::of(x.task_id), cell::of(x.created_at), doc_of(x)}};
}

row to_row(const audit_record& x) {
  return {table_id::audit,
          0,
          {cell::of(x.id), cell::of(x.at), cell::of(x.task_id), cell::of(x.agent_id), doc_of(x),
           // prev_hash and hash: the store chains the record when it commits it.
           cell::null(), cell::null()}};
}

row idempotency_row(std::string key, std::string fingerprint, std::string response,
                    std::int64_t expires_at) {
  return {table_id::idempotency,
          0,
          {cell::of(std::move(key)), cell::of(std::move(fingerprint)),
           cell::of(std::move(response)), cell::of(expires_at)}};
}

row credential_row(std::string agent_id, std::string token_hash, std::int64_t created_at) {
  return {table_id::agent_credentials,
          0,
          {cell::of(std::move(agent_id)), cell::of(std::move(token_hash)), cell::of(created_at)}};
}

template <class T>
T from_row(const row& r) {
  return from_json<T>(boost::json::parse(r.at("doc").s));
}

template agent from_row<agent>(const row&);
template task from_row<task>(const row&);
template approval from_row<approval>(const row&);
template alert from_row<alert>(const row&);
template notification from_row<notification>(const row&);
template run from_row<run>(const row&);
template tool_call from_row<tool_call>(const row&);
template document from_row<document>(const row&);
template transition from_row<transition>(const row&);
template message from_row<message>(const row&);
template audit_record from_row<audit_record>(const row&);

} // namespace mc::persistence
