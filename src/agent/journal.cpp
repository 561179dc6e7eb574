// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/journal.hpp"
#include "hookd/core/atomic_file.hpp"
#include "hookd/core/read_file.hpp"
#include "hookd/crypto/digest.hpp"

#include <algorithm>
#include <csignal>

#include "hookd/core/json.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace hookd::agent {
namespace net = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;

journal::journal(std::string state_dir) : dir_(std::move(state_dir)) {}
journal::~journal() { pool_.join(); }

outcome<void> journal::prepare() {
  for (const auto& d : {dir_, dir_ + "/journal", dir_ + "/done"}) {
    if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST)
      return make_error(errc::io_failed, "cannot create state directory " + d + ": " + std::strerror(errno) +
                                             "; set --state-dir to a writable directory");
  }
  // A spare that holds something: an earlier hookd stopped between filling it and renaming it.
  // The entry takes its token's name, so it is resumed and finished like any other; what cannot
  // be read is kept under a name of its own, reported by pending(), never reused as a spare.
  const auto jdir = dir_ + "/journal";
  const auto spare = jdir + "/" + spare_name;
  if (auto text = read_whole_file(spare); text && !blank(*text)) {
    auto e = parse(*text);
    const auto to = jdir + "/" + (e ? name_of(e->action) : "unreadable-spare-" + std::to_string(::time(nullptr))) + ".json";
    if (::rename(spare.c_str(), to.c_str()) != 0)
      return make_error(errc::io_failed, "cannot rename " + spare + " to " + to + ": " + std::strerror(errno) +
                                             "; check the state directory's permissions");
    sync_directory(jdir);
  } else if (text && text->size() == spare_size) {
    spare_ready_ = true;
  }
  if (!spare_ready_) net::post(pool_, [this] { make_spare(); });
  return {};
}

void journal::make_spare() {
  // Durable before it is used: its blocks are allocated and its name is in the directory, so
  // overwriting it needs only fdatasync. A failure (a full disk) leaves the slower path.
  spare_ready_ = write_file_atomic(dir_ + "/journal", spare_name, std::string(spare_size, ' '), 0600, true).has_value();
}

net::awaitable<outcome<void>> journal::write(const journal_entry& e) {
  const auto data = serialize(e);
  const auto name = name_of(e.action) + ".json";
  bool spare_used = false;
  auto r = co_await net::co_spawn(
      pool_, [&]() -> net::awaitable<outcome<void>> { co_return write_entry(name, data, spare_used); }, net::use_awaitable);
  // The next spare is queued only now: queued from the helper thread, it would run before this
  // write's answer reached the loop, and the script would wait for it.
  if (spare_used) net::post(pool_, [this] { make_spare(); });
  co_return r;
}

// On the helper thread.
outcome<void> journal::write_entry(const std::string& name, const std::string& data, bool& spare_used) {
  const auto jdir = dir_ + "/journal";
  struct stat st{};
  const bool exists = ::stat((jdir + "/" + name).c_str(), &st) == 0;
  if (!spare_ready_ || exists || data.size() > spare_size) {
    auto r = write_file_atomic(jdir, name, data, 0600, true);
    if (!r) return wrap_error(r.error(), "journal");
    return r;
  }
  spare_ready_ = false;
  spare_used = true;
  return fill_spare(name, data);
}

outcome<void> journal::fill_spare(const std::string& name, const std::string& data) {
  const auto jdir = dir_ + "/journal";
  const auto spare = jdir + "/" + spare_name;
  const int fd = ::open(spare.c_str(), O_WRONLY | O_CLOEXEC);
  int e = fd < 0 ? errno : 0;
  if (fd >= 0) {
    for (std::size_t off = 0; e == 0 && off < data.size();) {
      const auto n = ::pwrite(fd, data.data() + off, data.size() - off, static_cast<off_t>(off));
      if (n > 0) off += static_cast<std::size_t>(n);
      else if (n == 0) e = EIO;
      else if (errno != EINTR) e = errno;
    }
    if (e == 0 && ::fdatasync(fd) != 0) e = errno;
    ::close(fd);
  }
  // Renamed only once durable: the spare's own name is read back after a crash (prepare()).
  if (e == 0 && ::rename(spare.c_str(), (jdir + "/" + name).c_str()) != 0) e = errno;
  if (e == 0) return {};
  ::unlink(spare.c_str()); // half an entry must not be taken for one, nor the spare reused
  return make_error(errc::io_failed, "journal: " + write_failure("write", spare, e));
}

net::awaitable<outcome<void>> journal::finish(const std::string& key) { return remove(key, true); }

net::awaitable<outcome<void>> journal::withdraw(const std::string& key) { return remove(key, false); }

net::awaitable<outcome<void>> journal::remove(const std::string& key, bool done) {
  const auto name = file_name(key);
  const auto jdir = dir_ + "/journal", ddir = dir_ + "/done";
  co_return co_await net::co_spawn(
      pool_,
      [&]() -> net::awaitable<outcome<void>> {
        if (done) {
          auto r = write_file_atomic(ddir, name, iso8601(std::chrono::system_clock::now()), 0600, true);
          if (!r) co_return wrap_error(r.error(), "journal");
        }
        if (::unlink((jdir + "/" + name + ".json").c_str()) != 0 && errno != ENOENT)
          co_return make_error(errc::io_failed, "journal: cannot remove entry " + name + ": " + std::strerror(errno));
        sync_directory(jdir);
        co_return outcome<void>{};
      },
      net::use_awaitable);
}

net::awaitable<void> journal::forget_done(std::vector<std::string> keys) {
  co_await net::co_spawn(
      pool_,
      [&]() -> net::awaitable<void> {
        for (const auto& k : keys) ::unlink((dir_ + "/done/" + file_name(k)).c_str());
        co_return;
      },
      net::use_awaitable);
}

std::vector<journal_entry> journal::pending(std::vector<std::string>& problems) const {
  std::vector<journal_entry> out;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir_ + "/journal", ec)) {
    const auto name = f.path().filename().string();
    // Temporary files start with a dot; so does the spare, which counts once it holds a whole
    // entry (read-only here, for `hookd status`: prepare() gives it its token's name). A spare
    // that does not parse is being filled right now, or was torn by a crash, which prepare()
    // moves to a name of its own that is reported below.
    const bool spare = name == spare_name;
    if (!spare && (name.empty() || name[0] == '.' || f.path().extension() != ".json")) continue;
    const auto text = read_whole_file(f.path().string()).value_or("");
    auto e = parse(text);
    if (spare && !e) continue;
    if (!e) {
      problems.push_back(f.path().string() + ": " + e.error().message());
      continue;
    }
    out.push_back(std::move(*e));
  }
  return out;
}

std::vector<std::string> journal::done_tokens() const {
  std::vector<std::string> out;
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(48);
  for (const auto& f : fs::directory_iterator(dir_ + "/done", ec)) {
    if (f.last_write_time(ec) < cutoff) {
      fs::remove(f.path(), ec);
      continue;
    }
    out.push_back(f.path().filename().string());
  }
  return out;
}

} // namespace hookd::agent
