// The StandupGenerator (SPEC §5): every day at 09:00 local time (the policy's zone) it stores a
// standup document, and it answers `GET /api/standup` (latest, or a given day's) and on-demand
// requests from the root supervisor.
#pragma once

#include "supervisors/root_supervisor.hpp"

namespace mc::supervisors {

/// Spec name "StandupGenerator". Messages:
/// - (tick_atom) -> tick_report: generates the day's standup once 09:00 has passed and it does
///   not exist yet (looked up in the store, so a restart does not make a second one);
/// - (standup_atom, standup_query) -> api_reply `{"standup":document}`: `generate` makes one
///   now (stored apart from the scheduled one); else the given day's (the scheduled one, or the
///   newest of that day) or the newest of all; errc::not_found when there is none.
supervisor_spec standup_generator();

} // namespace mc::supervisors
