// The task routes of SPEC §6: create, list, get, edit, transition, timeline and the thread,
// wired to the task registry and the task actors.
#include "http/routes/api_routes.hpp"

#include "domain/entity_json.hpp"
#include "domain/task_timeline.hpp"
#include "http/json_body.hpp"

#include <algorithm>

#include <boost/json/serialize.hpp>

namespace mc::http {
namespace {

namespace json = boost::json;
using actors::api_reply;

actors::task_query task_query_of(const request& req) {
  actors::task_query q;
  if (auto s = req.query.get("status"))
    for (const auto& part : split_commas(*s))
      q.statuses.push_back(enum_param<task_status>("status", part));
  if (auto t = req.query.get("type"))
    q.type = enum_param<task_type>("type", *t);
  if (auto a = req.query.get("assigneeId"))
    q.assignee_id = std::string(*a);
  if (auto p = req.query.get("priority"))
    q.priority = int_param("priority", *p);
  if (auto s = req.query.get("search"))
    q.search = std::string(*s);
  if (auto l = req.query.get("limit"))
    q.limit = int_param("limit", *l);
  if (auto o = req.query.get("offset"))
    q.offset = int_param("offset", *o);
  if (auto s = req.query.get("sortBy")) {
    if (*s != "createdAt" && *s != "updatedAt" && *s != "priority" && *s != "dueAt")
      throw http_error(errc::invalid_input,
                       "sortBy is one of createdAt, updatedAt, priority, dueAt");
    q.sort_by = std::string(*s);
  }
  q.descending = descending_param(req);
  return q;
}

void create_task(context_ptr ctx, const request& req, const caller& who, responder res) {
  auto body = parse_json_body(req.body);
  actors::create_task_command cmd;
  cmd.draft = from_json<task>(body);
  // An agent creates tasks as itself; an operator may file one on an agent's behalf.
  cmd.creator = who.id;
  if (!cmd.draft.creator_id.empty()) {
    require_acting_as(who, cmd.draft.creator_id);
    cmd.creator = cmd.draft.creator_id;
  }
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  cmd.idempotency_key = claim->key;
  cmd.idempotency_fingerprint = claim->fingerprint;
  cmd.idempotency_expires_at = claim->expires_at;
  ask_for_reply(ctx, ctx->tasks, settle(ctx, *claim, std::move(res)), actors::create_atom::value,
                cmd);
}

void get_task(context_ptr ctx, const path_params& p, responder res) {
  with_actor<actors::task_actor>(ctx, ctx->tasks, std::string(p.get("id")), std::move(res),
                                 [ctx](actors::task_actor t, responder r) {
                                   ask_actor<actors::task_view>(
                                       ctx, t, std::move(r),
                                       [](actors::task_view& v) {
                                         json::array transitions, messages, approvals;
                                         for (const auto& x : v.transitions)
                                           transitions.push_back(to_json(x));
                                         for (const auto& a : v.approvals)
                                           approvals.push_back(to_json(a));
                                         for (const auto& m : v.messages)
                                           messages.push_back(to_json(m));
                                         return json_response(
                                             json::object{{"task", to_json(v.task)},
                                                          {"transitions", std::move(transitions)},
                                                          {"messages", std::move(messages)},
                                                          {"runs", json::array{}},
                                                          {"approvals", std::move(approvals)}});
                                       },
                                       actors::get_atom::value);
                                 });
}

/// Sends the command to the task's actor and answers with its reply.
void send_transition(context_ptr ctx, std::string task_id, actors::transition_command cmd,
                     responder res) {
  with_actor<actors::task_actor>(ctx, ctx->tasks, std::move(task_id), std::move(res),
                                 [ctx, cmd](actors::task_actor t, responder out) {
                                   ask_for_reply(ctx, t, std::move(out),
                                                 actors::transition_atom::value, cmd);
                                 });
}

void transition_task(context_ptr ctx, const request& req, const path_params& p, const caller& who,
                     responder res) {
  auto body = parse_json_body(req.body);
  if (!body.is_object() || !body.as_object().contains("toStatus"))
    throw http_error(errc::invalid_input, "toStatus is required");
  actors::transition_command cmd;
  auto& r = cmd.request;
  const auto& o = body.as_object();
  r.to = from_json<task_status>(o.at("toStatus"));
  if (auto* reason = o.if_contains("reason"))
    r.reason = from_json<std::string>(*reason);
  // An operator may act as a named human or as the system; an agent acts only as itself.
  std::string named = who.id;
  if (auto* actor = o.if_contains("actor"))
    named = from_json<std::string>(*actor);
  require_acting_as(who, named);
  r.actor = {named == "system" ? actor_kind::system : actor_kind::operator_, named};
  if (auto* a = o.if_contains("assigneeIds"))
    r.assignee_ids = from_json<std::vector<std::string>>(*a);
  if (auto* w = o.if_contains("workPlan"))
    r.work_plan = from_json<work_plan>(*w);
  if (auto* d = o.if_contains("deliverable"))
    r.deliverable = from_json<deliverable>(*d);
  if (auto* c = o.if_contains("reviewChecklist"))
    r.review_checklist = from_json<review_checklist>(*c);
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  r.idempotency_key = claim->key.empty() ? std::nullopt : std::optional<std::string>(claim->key);
  cmd.idempotency_key = claim->key;
  cmd.idempotency_fingerprint = claim->fingerprint;
  cmd.idempotency_expires_at = claim->expires_at;
  auto out = settle(ctx, *claim, std::move(res));
  std::string task_id(p.get("id"));
  if (who.kind != caller_kind::agent) {
    send_transition(ctx, std::move(task_id), std::move(cmd), std::move(out));
    return;
  }
  // An agent moves tasks with its role's permissions, and only while it may work.
  ask_agent_snapshot(ctx, who.id, std::move(out),
                     [ctx, cmd, task_id](const agent& a, responder next) mutable {
                       cmd.request.actor.kind = actor_kind_of(a.role);
                       cmd.actor_status = a.status;
                       send_transition(ctx, task_id, cmd, std::move(next));
                     });
}

/// Rejects a body field outside `known`; a status names the route that changes it.
template <std::size_t N>
void only_fields(const json::object& o, const std::string_view (&known)[N]) {
  for (const auto& kv : o)
    if (kv.key() == "status" || kv.key() == "toStatus")
      throw http_error(errc::invalid_input,
                       "the status changes only through POST /api/tasks/{id}/transition");
  refuse_unknown_fields(o, known);
}

/// `PATCH /api/tasks/{id}`: the non-state fields; `null` clears `reviewerId` and `dueAt`.
task_patch patch_of(const json::object& o) {
  static constexpr std::string_view known[] = {"title",       "description",   "priority",
                                               "assigneeIds", "labels",        "reviewerId",
                                               "dueAt",       "idempotencyKey"};
  only_fields(o, known);
  task_patch p;
  if (auto* v = o.if_contains("title"))
    p.title = from_json<std::string>(*v);
  if (auto* v = o.if_contains("description"))
    p.description = from_json<std::string>(*v);
  if (auto* v = o.if_contains("priority"))
    p.priority = from_json<std::int32_t>(*v);
  if (auto* v = o.if_contains("assigneeIds"))
    p.assignee_ids = from_json<std::vector<std::string>>(*v);
  if (auto* v = o.if_contains("labels"))
    p.labels = from_json<std::vector<std::string>>(*v);
  if (auto* v = o.if_contains("reviewerId")) {
    if (v->is_null())
      p.clear_reviewer = true;
    else
      p.reviewer_id = from_json<std::string>(*v);
  }
  if (auto* v = o.if_contains("dueAt")) {
    if (v->is_null())
      p.clear_due_at = true;
    else
      p.due_at = from_json<epoch_ms>(*v);
  }
  return p;
}

void patch_task(context_ptr ctx, const request& req, const path_params& p, const caller& who,
                responder res) {
  json::value body = parse_json_object_body(req.body);
  actors::task_patch_command cmd;
  cmd.patch = patch_of(body.as_object());
  cmd.actor = who.id;
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  cmd.idempotency_key = claim->key;
  cmd.idempotency_fingerprint = claim->fingerprint;
  cmd.idempotency_expires_at = claim->expires_at;
  with_actor<actors::task_actor>(
      ctx, ctx->tasks, std::string(p.get("id")), settle(ctx, *claim, std::move(res)),
      [ctx, cmd](actors::task_actor t, responder r) {
        ask_for_reply(ctx, t, std::move(r), actors::patch_atom::value, cmd);
      });
}

/// Asks the task's actor for its view and answers with what `render` makes of it.
void with_view(const context_ptr& ctx, const path_params& p, responder res,
               std::function<response(actors::task_view&)> render) {
  with_actor<actors::task_actor>(ctx, ctx->tasks, std::string(p.get("id")), std::move(res),
                                 [ctx, render](actors::task_actor t, responder r) {
                                   ask_actor<actors::task_view>(ctx, t, std::move(r), render,
                                                                actors::get_atom::value);
                                 });
}

void timeline(context_ptr ctx, const path_params& p, responder res) {
  with_view(ctx, p, std::move(res), [](actors::task_view& v) {
    task_history h;
    h.transitions = std::move(v.transitions);
    h.messages = std::move(v.messages);
    h.approvals = std::move(v.approvals);
    return json_response(task_timeline(v.task.id, h));
  });
}

/// `GET /api/tasks/{id}/messages`: the thread oldest first, paged like every list (SPEC §1).
void list_messages(context_ptr ctx, const request& req, const path_params& p, responder res) {
  std::int32_t limit = 50, offset = 0;
  if (auto l = req.query.get("limit"))
    limit = int_param("limit", *l);
  if (auto o = req.query.get("offset"))
    offset = int_param("offset", *o);
  if (limit < 1 || limit > 200)
    throw http_error(errc::invalid_input, "limit is 1 to 200");
  if (offset < 0)
    throw http_error(errc::invalid_input, "offset is 0 or more");
  with_view(ctx, p, std::move(res), [limit, offset](actors::task_view& v) {
    const auto& all = v.messages;
    const auto begin = std::min(all.size(), static_cast<std::size_t>(offset));
    const auto end = std::min(all.size(), begin + static_cast<std::size_t>(limit));
    json::array page;
    for (auto i = begin; i < end; ++i)
      page.push_back(to_json(all[i]));
    return json_response(json::object{
        {"messages", std::move(page)}, {"total", all.size()}, {"hasMore", end < all.size()}});
  });
}

/// `POST /api/tasks/{id}/messages`: the author is the caller unless an operator names another;
/// an agent writes only as itself.
void post_message(context_ptr ctx, const request& req, const path_params& p, const caller& who,
                  responder res) {
  json::value body = parse_json_object_body(req.body);
  const auto& o = body.as_object();
  static constexpr std::string_view known[] = {
      "type", "author", "content", "replyToId", "artifacts", "mentions", "idempotencyKey"};
  only_fields(o, known);
  actors::post_message_command cmd;
  auto& m = cmd.draft;
  m.author = who.id;
  if (auto* v = o.if_contains("author"); v && !v->is_null())
    m.author = from_json<std::string>(*v);
  require_acting_as(who, m.author);
  if (auto* v = o.if_contains("type"); v && !v->is_null())
    m.type = from_json<message_type>(*v);
  if (auto* v = o.if_contains("content"))
    m.content = from_json<std::string>(*v);
  if (auto* v = o.if_contains("replyToId"); v && !v->is_null())
    m.reply_to_id = from_json<std::string>(*v);
  if (auto* v = o.if_contains("artifacts"))
    m.artifacts = from_json<std::vector<std::string>>(*v);
  if (auto* v = o.if_contains("mentions"))
    m.mentions = from_json<std::vector<std::string>>(*v);
  cmd.actor_type = who.kind == caller_kind::agent ? "agent" : "operator";
  cmd.actor = who.id;
  auto claim = reserve_key(*ctx, req, who, body, res);
  if (!claim)
    return;
  cmd.idempotency_key = claim->key;
  cmd.idempotency_fingerprint = claim->fingerprint;
  cmd.idempotency_expires_at = claim->expires_at;
  with_actor<actors::task_actor>(
      ctx, ctx->tasks, std::string(p.get("id")), settle(ctx, *claim, std::move(res)),
      [ctx, cmd](actors::task_actor t, responder r) {
        ask_for_reply(ctx, t, std::move(r), actors::post_atom::value, cmd);
      });
}

} // namespace

void add_task_routes(router& r, context_ptr ctx) {
  add_guarded(r, ctx, method::post, "/api/tasks",
              [ctx](const request& req, const path_params&, const caller& who, responder res) {
                create_task(ctx, req, who, std::move(res));
              });
  add_guarded(r, ctx, method::get, "/api/tasks",
              [ctx](const request& req, const path_params&, const caller&, responder res) {
                ask_for_reply(ctx, ctx->tasks, std::move(res), actors::list_atom::value,
                              task_query_of(req));
              });
  add_guarded(r, ctx, method::get, "/api/tasks/{id}",
              [ctx](const request&, const path_params& p, const caller&, responder res) {
                get_task(ctx, p, std::move(res));
              });
  add_guarded(r, ctx, method::post, "/api/tasks/{id}/transition",
              [ctx](const request& req, const path_params& p, const caller& who, responder res) {
                transition_task(ctx, req, p, who, std::move(res));
              });
  add_guarded(r, ctx, method::patch, "/api/tasks/{id}",
              [ctx](const request& req, const path_params& p, const caller& who, responder res) {
                patch_task(ctx, req, p, who, std::move(res));
              });
  add_guarded(r, ctx, method::get, "/api/tasks/{id}/timeline",
              [ctx](const request&, const path_params& p, const caller&, responder res) {
                timeline(ctx, p, std::move(res));
              });
  add_guarded(r, ctx, method::get, "/api/tasks/{id}/messages",
              [ctx](const request& req, const path_params& p, const caller&, responder res) {
                list_messages(ctx, req, p, std::move(res));
              });
  add_guarded(r, ctx, method::post, "/api/tasks/{id}/messages",
              [ctx](const request& req, const path_params& p, const caller& who, responder res) {
                post_message(ctx, req, p, who, std::move(res));
              });
}

} // namespace mc::http
