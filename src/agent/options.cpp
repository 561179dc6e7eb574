// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/options.hpp"

namespace hookd::agent {

script_options script_options_from(const config::settings& s) {
  return {s.on_terminate, s.on_launch, s.on_warm, s.state_dir, s.script_sha256, s.run_as, s.run_as_aws_keys, s.script_timeout, s.kill_grace};
}

options options_from(const config::settings& s) {
  options o;
  o.script = script_options_from(s);
  o.hooks = s.hooks;
  o.on_success = s.on_success;
  o.on_failure = s.on_failure;
  o.heartbeat_interval = s.heartbeat_interval;
  o.confirm_window = s.confirm_window;
  o.error_backoff = s.error_backoff;
  o.shutdown_grace = s.shutdown_grace;
  o.yield_pause = s.yield_pause;
  o.wait_seconds = s.wait_seconds;
  o.once = s.once;
  o.queue = s.trigger_queue;
  o.imds = s.trigger_imds;
  o.imds_poll = s.imds_poll;
  o.on_spot_interruption = s.on_spot_interruption;
  o.on_rebalance = s.on_rebalance;
  o.on_maintenance = s.on_maintenance;
  o.maintenance_lead = s.maintenance_lead;
  o.metrics_file = s.metrics_file;
  o.drain = s.drain;
  o.ready = s.ready;
  return o;
}

} // namespace hookd::agent
