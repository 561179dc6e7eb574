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
#include <optional>
#include <stdexcept>

namespace hookd::test {

template <class T>
T run_awaitable(boost::asio::io_context& ioc, boost::asio::awaitable<T> aw,
                std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
  std::optional<T> result;
  std::exception_ptr error;
  bool done = false;
  boost::asio::co_spawn(ioc, std::move(aw), [&](std::exception_ptr e, T value) {
    if (e) error = e;
    else result.emplace(std::move(value));
    done = true;
    ioc.stop(); // other work (a server's accept loop) may keep the context busy forever
  });
  ioc.restart();
  ioc.run_for(deadline);
  if (!done) ioc.stop();
  if (error) std::rethrow_exception(error);
  if (!result) throw std::runtime_error("run_awaitable: the coroutine did not finish before the deadline");
  return std::move(*result);
}

template <class T>
T run_awaitable(boost::asio::awaitable<T> aw, std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
  boost::asio::io_context ioc{1};
  return run_awaitable(ioc, std::move(aw), deadline);
}

} // namespace hookd::test
