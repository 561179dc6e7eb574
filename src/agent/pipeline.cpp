// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/pipeline.hpp"

namespace hookd::agent {

boost::asio::awaitable<void> run_phases(std::span<phase* const> phases, run_context& ctx,
                                        const std::function<void(std::string_view)>& entering) {
  for (phase* p : phases) {
    if (entering) entering(p->name());
    if (!co_await p->run(ctx)) co_return;
  }
}

} // namespace hookd::agent
