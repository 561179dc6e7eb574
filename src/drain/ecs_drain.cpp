// SPDX-License-Identifier: Apache-2.0
#include "hookd/drain/ecs_drain.hpp"

#include "bounded.hpp"
#include "hookd/aws/autoscaling.hpp"
#include "hookd/drain/ecs_plan.hpp"

namespace hookd::drain {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

namespace {
// An instance is one container instance; a filter answer of 10 pages (1,000) is already wrong.
// Tasks: ECS places at most a few hundred on one instance, and a STOPPED one stays listed for
// about an hour, so 10 pages of each desired status is ample; past that, the drain keeps waiting.
constexpr int max_ecs_pages = 10;
// Polls over the time left (poll_timing).
constexpr int polls_per_budget = 20;

std::string with_ecs_fix(const error& e, std::string_view operation) {
  auto line = with_permission_fix(e, "ecs:" + std::string(operation));
  if (e.aws_code == "ClusterNotFoundException") line += "; set --ecs-cluster (or ECS_CLUSTER in /etc/ecs/ecs.config)";
  return line;
}

class ecs_drainer {
public:
  ecs_drainer(aws::ecs_client& ecs, const ecs_request& req, logger& log, progress& p)
      : ecs_(ecs), req_(req), log_(log), progress_(p) {}

  net::awaitable<result> run() {
    progress_.stage = "finding the container instance of " + req_.instance_id + " in cluster " + req_.cluster;
    auto own = co_await find_instance();
    if (!own) co_return failed(own.error().context);
    if (!*own) co_return result{kind::ecs, status::none, 0, "no container instance of " + req_.instance_id +
                                                               " in ECS cluster " + req_.cluster, {}};
    arn_ = (*own)->arn;
    progress_.count = (*own)->running_tasks + (*own)->pending_tasks;
    const std::vector<std::string> mine{arn_}; // named: GCC 12 destroys braced temporaries in co_await twice
    auto set = co_await while_throttled([&] { return ecs_.set_draining(req_.cluster, mine); });
    if (!set) co_return failed(with_ecs_fix(set.error(), "UpdateContainerInstancesState"));
    log_.info("drain-ecs-draining", {{"cluster", req_.cluster}, {"container_instance", arn_},
                                     {"tasks", std::to_string(progress_.count)}});
    progress_.stage = "waiting for the tasks of " + arn_ + " to stop";
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(req_.deadline - steady::now());
    const auto interval = poll_interval(left, req_.timing, polls_per_budget);
    for (;;) {
      if (co_await drained()) co_return result{kind::ecs, status::ok, progress_.count, {}, {}};
      if (!co_await jittered_pause(interval)) co_return failed("cancelled while " + progress_.stage);
    }
  }

private:
  result failed(std::string why) const { return {kind::ecs, status::failed, progress_.count, std::move(why), {}}; }

  /// Listed by the server's filter, then kept only if the record itself names this instance.
  net::awaitable<outcome<std::optional<aws::container_instance>>> find_instance() {
    std::vector<std::string> arns;
    std::string token;
    const std::string filter = "ec2InstanceId == " + req_.instance_id;
    for (int page = 0; page < max_ecs_pages; ++page) {
      auto r = co_await while_throttled([&] { return ecs_.list_container_instances(req_.cluster, filter, token); });
      if (!r) co_return make_error(errc::service_error, with_ecs_fix(r.error(), "ListContainerInstances"));
      arns.insert(arns.end(), r->arns.begin(), r->arns.end());
      if ((token = r->next_token).empty()) break;
    }
    for (std::size_t first = 0; first < arns.size(); first += aws::ecs_max_per_call) {
      const auto last = std::min(arns.size(), first + aws::ecs_max_per_call);
      std::vector<std::string> batch(arns.begin() + static_cast<std::ptrdiff_t>(first),
                                     arns.begin() + static_cast<std::ptrdiff_t>(last));
      auto d = co_await while_throttled([&] { return ecs_.describe_container_instances(req_.cluster, batch); });
      if (!d) co_return make_error(errc::service_error, with_ecs_fix(d.error(), "DescribeContainerInstances"));
      if (auto own = find_own(*d, req_.instance_id)) co_return own;
    }
    co_return std::optional<aws::container_instance>{};
  }

  /// One look. A failed call is no verdict: the next poll asks again, the deadline bounds it.
  net::awaitable<bool> drained() {
    const std::vector<std::string> mine{arn_}; // named: GCC 12 destroys braced temporaries in co_await twice
    auto d = co_await ecs_.describe_container_instances(req_.cluster, mine);
    if (!d) co_return false;
    auto own = find_own(*d, req_.instance_id, arn_);
    if (!own || !counts_clear(*own)) co_return false;
    // The counts leave out tasks that are stopping: ask for the tasks themselves.
    std::vector<std::string> tasks;
    for (const char* desired : {"RUNNING", "STOPPED"})
      if (!co_await list_tasks(desired, tasks)) co_return false;
    std::vector<aws::ecs_task> described;
    for (std::size_t first = 0; first < tasks.size(); first += aws::ecs_max_per_call) {
      const auto last = std::min(tasks.size(), first + aws::ecs_max_per_call);
      std::vector<std::string> batch(tasks.begin() + static_cast<std::ptrdiff_t>(first),
                                     tasks.begin() + static_cast<std::ptrdiff_t>(last));
      auto t = co_await ecs_.describe_tasks(req_.cluster, batch);
      if (!t) co_return false;
      described.insert(described.end(), t->begin(), t->end());
    }
    co_return tasks_left(described, arn_) == 0;
  }

  net::awaitable<bool> list_tasks(const char* desired, std::vector<std::string>& into) {
    std::string token;
    for (int page = 0; page < max_ecs_pages; ++page) {
      auto r = co_await ecs_.list_tasks(req_.cluster, arn_, desired, token);
      if (!r) co_return false;
      into.insert(into.end(), r->arns.begin(), r->arns.end());
      if ((token = r->next_token).empty()) co_return true;
    }
    co_return false;
  }

  aws::ecs_client& ecs_;
  const ecs_request& req_;
  logger& log_;
  progress& progress_;
  std::string arn_;
};
} // namespace

net::awaitable<result> drain_ecs(aws::ecs_client& ecs, const ecs_request& req, logger& log) {
  co_return co_await run_drainer<ecs_drainer>(kind::ecs, ecs, req, log);
}

} // namespace hookd::drain
