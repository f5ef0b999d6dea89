// The ApprovalExpirer (SPEC §5): on every tick, pending approvals past their expiresAt become
// `expired` (their tasks stay in needs_approval) and the operator gets an alert for each.
#pragma once

#include "supervisors/root_supervisor.hpp"

namespace mc::supervisors {

/// Spec name "ApprovalExpirer". Answers (tick_atom) with the number of approvals it expired,
/// once they are durable and their alerts raised.
supervisor_spec approval_expirer();

} // namespace mc::supervisors
