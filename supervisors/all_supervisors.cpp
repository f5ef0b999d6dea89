#include "supervisors/all_supervisors.hpp"

#include "supervisors/approval_expirer.hpp"
#include "supervisors/budget_monitor.hpp"
#include "supervisors/heartbeat_monitor.hpp"
#include "supervisors/loop_detector.hpp"
#include "supervisors/notification_dispatcher.hpp"
#include "supervisors/standup_generator.hpp"

namespace mc::supervisors {

std::vector<supervisor_spec> all_supervisors() {
  std::vector<supervisor_spec> specs;
  specs.push_back(budget_monitor());
  specs.push_back(heartbeat_monitor());
  specs.push_back(approval_expirer());
  specs.push_back(standup_generator());
  specs.push_back(notification_dispatcher());
  specs.push_back(loop_detector());
  return specs;
}

} // namespace mc::supervisors
