#pragma once
// SPDX-License-Identifier: Apache-2.0
// Runs one awaitable to completion on a fresh io_context and returns its value. A deadline bounds
// the run so a bug shows up as a failed test, never as a hung CI job.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>

namespace hookd::test {

/// The coroutine did not finish before the deadline. It is left suspended on the io_context and
/// may hold references into frames that are gone: whoever owns the context must not run it again.
struct deadline_missed : std::runtime_error {
  deadline_missed() : std::runtime_error("run_awaitable: the coroutine did not finish before the deadline") {}
};

template <class T>
T run_awaitable(boost::asio::io_context& ioc, boost::asio::awaitable<T> aw,
                std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
  // Shared with the completion handler, which outlives this call when the deadline is missed.
  struct outcome {
    std::optional<T> result;
    std::exception_ptr error;
    bool done = false;
  };
  auto out = std::make_shared<outcome>();
  boost::asio::co_spawn(ioc, std::move(aw), [out, &ioc](std::exception_ptr e, T value) {
    if (e) out->error = e;
    else out->result.emplace(std::move(value));
    out->done = true;
    ioc.stop(); // other work (a server's accept loop) may keep the context busy forever
  });
  ioc.restart();
  ioc.run_for(deadline);
  if (!out->done) ioc.stop();
  if (out->error) std::rethrow_exception(out->error);
  if (!out->result) throw deadline_missed();
  return std::move(*out->result);
}

template <class T>
T run_awaitable(boost::asio::awaitable<T> aw, std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
  boost::asio::io_context ioc{1};
  return run_awaitable(ioc, std::move(aw), deadline);
}

} // namespace hookd::test
