// The domain's enumerations (SPEC §2) and their one text mapping: lower snake_case out,
// case-insensitive in. Every enum here is described with Boost.Describe so the mapping is generic.
#pragma once

#include <boost/describe/enum.hpp>
#include <boost/describe/enumerators.hpp>
#include <boost/mp11/algorithm.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mc {

enum class agent_role : std::uint8_t { intern, specialist, lead };
BOOST_DESCRIBE_ENUM(agent_role, intern, specialist, lead)

enum class agent_status : std::uint8_t { active, paused, drained, quarantined, offline };
BOOST_DESCRIBE_ENUM(agent_status, active, paused, drained, quarantined, offline)

enum class task_type : std::uint8_t {
  content,
  social,
  email_marketing,
  customer_research,
  seo_research,
  engineering,
  docs,
  ops
};
BOOST_DESCRIBE_ENUM(task_type, content, social, email_marketing, customer_research, seo_research,
                    engineering, docs, ops)

enum class task_status : std::uint8_t {
  inbox,
  assigned,
  in_progress,
  review,
  needs_approval,
  blocked,
  done,
  canceled
};
BOOST_DESCRIBE_ENUM(task_status, inbox, assigned, in_progress, review, needs_approval, blocked,
                    done, canceled)

enum class message_type : std::uint8_t {
  comment,
  work_plan,
  progress,
  artifact,
  review,
  loop_summary
};
BOOST_DESCRIBE_ENUM(message_type, comment, work_plan, progress, artifact, review, loop_summary)

enum class run_status : std::uint8_t { running, completed, failed, timeout };
BOOST_DESCRIBE_ENUM(run_status, running, completed, failed, timeout)

enum class risk_level : std::uint8_t { green, yellow, red };
BOOST_DESCRIBE_ENUM(risk_level, green, yellow, red)

enum class tool_call_status : std::uint8_t { pending, running, success, failed, denied };
BOOST_DESCRIBE_ENUM(tool_call_status, pending, running, success, failed, denied)

enum class policy_decision : std::uint8_t { allow, deny, needs_approval };
BOOST_DESCRIBE_ENUM(policy_decision, allow, deny, needs_approval)

enum class approval_action : std::uint8_t { tool_exec, budget_override, state_transition, spawn };
BOOST_DESCRIBE_ENUM(approval_action, tool_exec, budget_override, state_transition, spawn)

enum class approval_status : std::uint8_t { pending, approved, denied, expired, canceled };
BOOST_DESCRIBE_ENUM(approval_status, pending, approved, denied, expired, canceled)

enum class alert_severity : std::uint8_t { info, warning, error, critical };
BOOST_DESCRIBE_ENUM(alert_severity, info, warning, error, critical)

enum class alert_status : std::uint8_t { open, acknowledged, resolved };
BOOST_DESCRIBE_ENUM(alert_status, open, acknowledged, resolved)

enum class notification_channel : std::uint8_t { heartbeat, webhook };
BOOST_DESCRIBE_ENUM(notification_channel, heartbeat, webhook)

enum class notification_type : std::uint8_t {
  mention,
  assignment,
  approval_request,
  alert,
  digest
};
BOOST_DESCRIBE_ENUM(notification_type, mention, assignment, approval_request, alert, digest)

enum class notification_status : std::uint8_t { pending, delivered, failed, expired };
BOOST_DESCRIBE_ENUM(notification_status, pending, delivered, failed, expired)

/// Who performs an action: the five kinds the state machine's permissions know. `operator_`
/// is spelled with an underscore only because `operator` is a C++ keyword.
enum class actor_kind : std::uint8_t { intern, specialist, lead, operator_, system };

/// An agent acts with its role's permissions.
constexpr actor_kind actor_kind_of(agent_role role) noexcept {
  switch (role) {
  case agent_role::intern:
    return actor_kind::intern;
  case agent_role::lead:
    return actor_kind::lead;
  default:
    return actor_kind::specialist;
  }
}

/// True for the enums above; the generic text and JSON mappings are limited to them.
template <class E>
inline constexpr bool is_domain_enum_v = boost::describe::has_describe_enumerators<E>::value;

/// The wire name of an enumerator (lower snake_case).
template <class E>
requires is_domain_enum_v<E> std::string_view to_string(E value) {
  std::string_view name = "unknown";
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto d) {
    if (d.value == value)
      name = d.name;
  });
  return name;
}

bool iequals_ascii(std::string_view a, std::string_view b) noexcept;

/// Parses a wire name, ignoring ASCII case (agent SDKs send `IN_PROGRESS`).
template <class E>
requires is_domain_enum_v<E> std::optional<E> parse_enum(std::string_view text) {
  std::optional<E> out;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>([&](auto d) {
    if (!out && iequals_ascii(d.name, text))
      out = d.value;
  });
  return out;
}

/// Every enumerator in declaration order, e.g. to list allowed values in an error message.
template <class E>
requires is_domain_enum_v<E> std::vector<E> all_values() {
  std::vector<E> out;
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<E>>(
      [&](auto d) { out.push_back(d.value); });
  return out;
}

std::string_view to_string(actor_kind kind) noexcept;
/// `operator` (or `human`, as the runbook writes it) for the operator; any ASCII case.
std::optional<actor_kind> parse_actor_kind(std::string_view text) noexcept;

} // namespace mc
