// SPDX-License-Identifier: Apache-2.0
// The ECS drain, its client, and the drains side by side (run_drains) against the emulator.
#include "integration/drain/drain_fixture.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fstream>

namespace {

using emulator::container_instance_spec;

/// "i-self" in cluster "web" with tasks that stop `stops` after DRAINING (nullopt: never).
std::string own_instance(emulator::server& emu, std::vector<std::optional<std::chrono::milliseconds>> stops) {
  container_instance_spec s;
  s.cluster = "web";
  s.ec2_instance_id = "i-self";
  for (auto d : stops) s.tasks.push_back({d});
  return emu.add_container_instance(s);
}

TEST_F(drains, ecs_client_lists_describes_drains_and_reads_tasks) {
  auto arn = own_instance(*emu, {1s, 1s});
  auto list = run(ecs->list_container_instances("web", "ec2InstanceId == i-self"));
  ASSERT_TRUE(list) << list.error().message();
  EXPECT_EQ(list->arns, std::vector<std::string>{arn});
  auto set = run(ecs->set_draining("web", {arn}));
  ASSERT_TRUE(set);
  ASSERT_EQ(set->size(), 1u);
  EXPECT_EQ((*set)[0].status, "DRAINING");
  EXPECT_EQ((*set)[0].running_tasks, 2);
  auto tasks = run(ecs->list_tasks("web", arn, "RUNNING"));
  ASSERT_TRUE(tasks);
  auto described = run(ecs->describe_tasks("web", tasks->arns));
  ASSERT_TRUE(described);
  EXPECT_EQ(described->size(), 2u);
  EXPECT_EQ((*described)[0].container_instance_arn, arn);
  auto missing = run(ecs->list_container_instances("nope", "ec2InstanceId == i-self"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().aws_code, "ClusterNotFoundException");
}

TEST_F(drains, ecs_four_tasks_stopping_over_time_return_ok_after_the_last_stops) {
  // A tenth of the 10 s. The counts read 0 at 40% of the last task's time, while it is
  // still DEACTIVATING: a drain trusting runningTasksCount would return then.
  auto arn = own_instance(*emu, {250ms, 500ms, 750ms, 1000ms});
  auto req = ecs_req();
  auto r = run(drain::drain_ecs(*ecs, req, log));
  EXPECT_EQ(r.how, drain::status::ok) << r.reason;
  EXPECT_EQ(r.count, 4);
  EXPECT_GE(r.duration, 1000ms) << "returned while a task was still stopping";
  EXPECT_EQ(emu->container_instance_status(arn), "DRAINING");
}

TEST_F(drains, ecs_a_task_that_never_stops_returns_timeout) {
  own_instance(*emu, {std::nullopt});
  auto req = ecs_req(300ms);
  auto r = run(drain::drain_ecs(*ecs, req, log));
  EXPECT_EQ(r.how, drain::status::timeout);
  EXPECT_EQ(r.count, 1);
  EXPECT_LT(r.duration, 3s);
}

TEST_F(drains, ecs_throttling_is_retried) {
  own_instance(*emu, {100ms});
  fail_next("DescribeContainerInstances", 2, 400, "ThrottlingException");
  fail_next("UpdateContainerInstancesState", 1, 400, "ThrottlingException");
  auto req = ecs_req();
  auto r = run(drain::drain_ecs(*ecs, req, log));
  EXPECT_EQ(r.how, drain::status::ok) << r.reason;
  EXPECT_EQ(answered("DescribeContainerInstances", "ThrottlingException"), 2u);
  EXPECT_EQ(answered("UpdateContainerInstancesState", "ThrottlingException"), 1u);
}

TEST_F(drains, ecs_an_answer_naming_another_instance_is_not_acted_upon) {
  emu->set_ecs_filter_ignored(true);
  container_instance_spec other;
  other.cluster = "web";
  other.ec2_instance_id = "i-other";
  other.tasks = {{std::nullopt}};
  const auto other_arn = emu->add_container_instance(other);
  auto req = ecs_req();
  auto none = run(drain::drain_ecs(*ecs, req, log));
  EXPECT_EQ(none.how, drain::status::none) << none.reason;
  EXPECT_TRUE(emu->calls("UpdateContainerInstancesState").empty());
  const auto own = own_instance(*emu, {50ms});
  auto req2 = ecs_req();
  auto r = run(drain::drain_ecs(*ecs, req2, log));
  EXPECT_EQ(r.how, drain::status::ok) << r.reason;
  EXPECT_EQ(emu->container_instance_status(own), "DRAINING");
  EXPECT_EQ(emu->container_instance_status(other_arn), "ACTIVE") << "another instance was drained";
}

TEST_F(drains, run_drains_reads_the_cluster_from_ecs_config_and_runs_both_side_by_side) {
  own_instance(*emu, {100ms});
  emulator::target_group_spec s;
  s.name = "web";
  s.draining_for = 100ms;
  s.targets = {{"i-self", 80}};
  emu->add_target_group(s);
  const auto cfg = (dir / "ecs.config").string();
  std::ofstream(cfg) << "ECS_CLUSTER=web\n";
  drain::drain_request req{"i-self", {}, in(10s), {}, cfg, fast()};
  req.settings.elbv2 = req.settings.ecs = true;
  const drain::drain_clients clients{elb.get(), ecs.get()};
  auto results = run(drain::run_drains(clients, req, log));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(drain::format_results(results), "elbv2=ok:1 ecs=ok:1") << results[0].reason << results[1].reason;
}

TEST_F(drains, a_stop_of_hookd_cancels_every_drain_at_once) {
  own_instance(*emu, {std::nullopt});
  emulator::target_group_spec s;
  s.name = "web";
  s.deregistration_delay_s = 3600;
  s.targets = {{"i-self", 80}};
  emu->add_target_group(s);
  drain::drain_request req{"i-self", {}, in(60s), {}, "/nonexistent", fast()};
  req.settings.elbv2 = req.settings.ecs = true;
  req.settings.ecs_cluster = "web";
  const drain::drain_clients clients{elb.get(), ecs.get()};
  // As the pipeline will: total cancellation enabled, then the drains awaited.
  auto pipeline = [&]() -> net::awaitable<std::vector<drain::result>> {
    co_await net::this_coro::reset_cancellation_state(net::enable_total_cancellation());
    co_return co_await drain::run_drains(clients, req, log);
  };
  net::cancellation_signal stop;
  std::optional<std::vector<drain::result>> got;
  std::string thrown;
  net::co_spawn(ioc, pipeline(), net::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr e, std::vector<drain::result> r) {
    if (!e) got = std::move(r);
    try {
      if (e) std::rethrow_exception(e);
    } catch (const std::exception& x) {
      thrown = x.what();
    }
    ioc.stop();
  }));
  net::steady_timer t(ioc, 300ms);
  t.async_wait([&](boost::system::error_code) { stop.emit(net::cancellation_type::total); });
  const auto start = std::chrono::steady_clock::now();
  ioc.restart();
  ioc.run_for(10s);
  ASSERT_TRUE(got) << thrown;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  ASSERT_EQ(got->size(), 2u);
  for (const auto& r : *got) {
    EXPECT_EQ(r.how, drain::status::failed);
    EXPECT_NE(r.reason.find("cancelled"), std::string::npos) << r.reason;
  }
}

} // namespace
