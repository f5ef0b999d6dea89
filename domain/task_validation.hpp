// What a task and its thread must look like: the rules the registry applies to `POST /api/tasks`
// and the task actor to `PATCH /api/tasks/{id}` and to new thread messages.
#pragma once

#include "domain/entities.hpp"
#include "domain/errc.hpp"

#include <boost/describe/class.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mc {

struct field_problem {
  /// The wire name of the field, e.g. `title`.
  std::string field;
  std::string message;
  friend bool operator==(const field_problem&, const field_problem&) = default;
};

/// Every problem of a task draft; empty when it may be created.
std::vector<field_problem> validate_new_task(const task& draft);

/// Non-state fields of a task (SPEC §6 PATCH): only the fields present change. The status moves
/// only through the state machine, never through a patch.
struct task_patch {
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::int32_t> priority;
  std::optional<std::vector<std::string>> assignee_ids;
  std::optional<std::vector<std::string>> labels;
  std::optional<std::string> reviewer_id;
  std::optional<epoch_ms> due_at;
  /// `"reviewerId": null` and `"dueAt": null` clear the field.
  bool clear_reviewer = false;
  bool clear_due_at = false;
};
BOOST_DESCRIBE_STRUCT(task_patch, (),
                      (title, description, priority, assignee_ids, labels, reviewer_id, due_at,
                       clear_reviewer, clear_due_at))

/// Why an edit was refused: errc::invalid_input (400) for bad values, errc::conflict (409) when
/// the task's state does not allow it. Every problem is named with its field.
struct edit_refusal {
  errc code = errc::invalid_input;
  std::vector<field_problem> problems;
};

/// True when the patch names no field at all.
bool is_empty(const task_patch& p) noexcept;

/// The task after the patch (updatedAt = now), or why it may not be applied. Reassigning a done
/// or canceled task is a conflict, and so is leaving a task past the inbox without an assignee
/// (move it to inbox with a transition instead). Duplicate assignees and labels are dropped.
std::variant<task, edit_refusal> apply_task_patch(const task& current, const task_patch& p,
                                                  epoch_ms now);

/// The longest thread message, in bytes of UTF-8.
inline constexpr std::size_t max_message_bytes = 64 * 1024;

/// Who posts a thread message: `loop_summary` and `work_plan` messages come only from the system
/// (the loop detector, the state machine), never from an API caller.
enum class poster : std::uint8_t { caller, system };

/// Checks a new thread message of `t` against the thread so far: content present and at most
/// max_message_bytes, mentions and author well formed, `replyToId` naming a message of this
/// thread, the type open to the poster (errc::forbidden otherwise), and the task still open
/// (errc::conflict for a done or canceled task: its thread is closed).
std::optional<edit_refusal> validate_new_message(const task& t, const std::vector<message>& thread,
                                                 const message& draft, poster who);

} // namespace mc
