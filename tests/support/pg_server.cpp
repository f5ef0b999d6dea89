#include "tests/support/pg_server.hpp"

#include <pqxx/pqxx>

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace mc::persistence::testing {
namespace fs = std::filesystem;
namespace {

struct owner {
  uid_t uid;
  gid_t gid;
};

/// Postgres refuses to run as root: when we are root, its processes run as `postgres`.
std::optional<owner> server_owner() {
  if (::geteuid() != 0)
    return std::nullopt;
  const passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr)
    throw std::runtime_error("pg_server: running as root, but there is no 'postgres' user to run "
                             "the PostgreSQL server as");
  return owner{pw->pw_uid, pw->pw_gid};
}

/// Forks and execs `argv` with stdout and stderr appended to `log`, as `as` when given. With
/// `die_with_parent` the child gets SIGKILL when this process dies, so a crashed test binary
/// leaves no postmaster behind.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& log, std::optional<owner> as,
            bool die_with_parent) {
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string log_path = log.string();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error(std::string("pg_server: fork: ") + std::strerror(errno));
  if (pid > 0)
    return pid;
  // Child: only async-signal-safe calls from here on.
  const int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || in < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0)
    ::_exit(126);
  // Own process group: a ^C meant for the test runner does not shut the server down under it.
  ::setpgid(0, 0);
  if (as) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(as->gid) != 0 || ::setuid(as->uid) != 0)
      ::_exit(126);
  }
  // After setuid, which clears it.
  if (die_with_parent && (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent))
    ::_exit(126);
  ::execv(args[0], args.data());
  ::_exit(127);
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::runtime_error(std::string("pg_server: socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("pg_server: no free port: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void chown_tree(const fs::path& root, owner o) {
  if (::chown(root.c_str(), o.uid, o.gid) != 0)
    throw std::runtime_error("pg_server: chown " + root.string() + ": " + std::strerror(errno));
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (::lchown(e.path().c_str(), o.uid, o.gid) != 0)
      throw std::runtime_error("pg_server: chown " + e.path().string() + ": " +
                               std::strerror(errno));
}

/// Where a pristine initdb result waits for the next test process: copying it takes a fraction
/// of initdb's time, and ctest runs every test in a process of its own. The build passes the
/// directory (MC_PG_CLUSTER_CACHE); without it every server runs initdb.
std::optional<fs::path> cluster_cache(const fs::path& bindir) {
#ifdef MC_PG_CLUSTER_CACHE
  std::string key = bindir.string();
  std::replace(key.begin(), key.end(), '/', '_');
  return fs::path(MC_PG_CLUSTER_CACHE) / key;
#else
  (void)bindir;
  return std::nullopt;
#endif
}

/// Copies a fresh cluster into the cache. The rename makes a cache entry appear complete or not
/// at all; a concurrent process that published first simply wins.
void publish_cluster(const fs::path& data, const fs::path& cache) {
  std::error_code ec;
  fs::create_directories(cache.parent_path(), ec);
  std::string templ = (cache.parent_path() / "tmp-XXXXXX").string();
  if (ec || ::mkdtemp(templ.data()) == nullptr)
    return;
  const fs::path staging = fs::path(templ) / "cluster";
  fs::copy(data, staging, fs::copy_options::recursive, ec);
  if (!ec)
    fs::rename(staging, cache, ec);
  fs::remove_all(templ, ec);
}

std::unique_ptr<pg_server>& shared_slot() {
  static std::unique_ptr<pg_server> server;
  return server;
}

} // namespace

fs::path pg_server::find_bindir() {
  const auto usable = [](const fs::path& d) {
    return fs::exists(d / "initdb") && fs::exists(d / "postgres");
  };
  if (const char* env = std::getenv("MC_PG_BINDIR"); env != nullptr && *env != '\0') {
    if (!usable(env))
      throw std::runtime_error(std::string("pg_server: MC_PG_BINDIR=") + env +
                               " holds no initdb and postgres");
    return env;
  }
  // Debian's layout: /usr/lib/postgresql/<major>/bin. The newest major wins.
  std::vector<std::pair<int, fs::path>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const fs::path bin = e.path() / "bin";
    if (usable(bin))
      found.emplace_back(std::atoi(e.path().filename().c_str()), bin);
  }
  if (found.empty())
    throw std::runtime_error(
        "pg_server: no PostgreSQL server binaries (initdb, postgres) in /usr/lib/postgresql/*/bin "
        "and MC_PG_BINDIR is not set. The Postgres store tests need a real server: install "
        "postgresql-15 (apt-get install postgresql-15) or point MC_PG_BINDIR at its bin "
        "directory.");
  std::sort(found.begin(), found.end());
  return found.back().second;
}

pg_server::pg_server() : bindir_(find_bindir()) {
  std::string templ = (fs::temp_directory_path() / "mc-pgtest-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr)
    throw std::runtime_error("pg_server: mkdtemp " + templ + ": " + std::strerror(errno));
  dir_ = templ;
  try {
    const fs::path data = dir_ / "data";
    fs::create_directory(dir_ / "sock");
    const auto as = server_owner();
    if (as) {
      fs::permissions(dir_, fs::perms::owner_all);
      chown_tree(dir_, *as);
    }
    const auto cache = cluster_cache(bindir_);
    if (cache && fs::exists(*cache / "PG_VERSION")) {
      fs::copy(*cache, data, fs::copy_options::recursive);
      if (as)
        chown_tree(data, *as);
    } else {
      // --no-sync only skips initdb's own flush of a cluster nobody needs after a power cut;
      // the server itself runs with fsync on.
      const pid_t pid = spawn({(bindir_ / "initdb").string(), "-D", data.string(), "--auth=trust",
                               "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"},
                              dir_ / "initdb.log", as, true);
      if (const int rc = wait_exit(pid); rc != 0)
        throw std::runtime_error("pg_server: initdb failed (exit " + std::to_string(rc) + "):\n" +
                                 read_file(dir_ / "initdb.log"));
      if (cache)
        publish_cluster(data, *cache);
    }
    port_ = free_port();
    write_config();
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

pg_server::~pg_server() {
  if (pid_ > 0) {
    // Immediate shutdown: a checkpoint would write out pages of a directory about to be deleted.
    ::kill(pid_, SIGQUIT);
    wait_exit(pid_);
    pid_ = -1;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void pg_server::write_config() {
  // Appended settings override initdb's; a later append wins again (new port).
  std::ofstream conf(dir_ / "data" / "postgresql.conf", std::ios::app);
  conf << "\n# mc pg_server\n"
       << "listen_addresses = '127.0.0.1'\n"
       << "port = " << port_ << "\n"
       << "unix_socket_directories = '" << (dir_ / "sock").string() << "'\n"
       << "fsync = on\n"
       << "synchronous_commit = on\n"
       << "full_page_writes = on\n"
       << "max_connections = 40\n"
       << "shared_buffers = 32MB\n"
       << "logging_collector = off\n";
  if (!conf)
    throw std::runtime_error("pg_server: cannot write postgresql.conf");
}

std::string pg_server::url(std::string_view database) const {
  return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/" + std::string(database);
}

pg_server::start_result pg_server::try_start() {
  const fs::path log = dir_ / "postgres.log";
  const auto log_size = fs::exists(log) ? fs::file_size(log) : 0;
  pid_ = spawn({(bindir_ / "postgres").string(), "-D", (dir_ / "data").string()}, log,
               server_owner(), true);
  // Polling for the server to accept connections is the one wait on the wall clock.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      const std::string tail = read_file(log).substr(log_size);
      // Backends of a killed postmaster may still hold the old shared memory for a moment.
      if (tail.find("pre-existing shared memory block") != std::string::npos)
        return start_result::retry;
      // The port was taken between picking and binding.
      if (tail.find("could not bind") != std::string::npos ||
          tail.find("could not create any TCP/IP sockets") != std::string::npos)
        return start_result::port_taken;
      throw std::runtime_error("pg_server: postgres exited during startup:\n" + tail);
    }
    try {
      pqxx::connection probe(url());
      return start_result::ok;
    } catch (const pqxx::broken_connection&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  throw std::runtime_error("pg_server: postgres did not accept connections within 60 s:\n" +
                           log_tail());
}

void pg_server::start() {
  if (running())
    return;
  for (int attempt = 0; attempt < 200; ++attempt) {
    switch (try_start()) {
    case start_result::ok:
      started_once_ = true;
      return;
    case start_result::port_taken:
      // Before the first start nobody knows the URL yet: take another port.
      if (started_once_)
        throw std::runtime_error("pg_server: port " + std::to_string(port_) +
                                 " was taken while the server was down:\n" + log_tail());
      port_ = free_port();
      write_config();
      break;
    case start_result::retry:
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      break;
    }
  }
  throw std::runtime_error("pg_server: postgres would not start:\n" + log_tail());
}

void pg_server::stop() {
  if (!running())
    return;
  ::kill(pid_, SIGINT);
  wait_exit(pid_);
  pid_ = -1;
}

void pg_server::kill9() {
  if (!running())
    return;
  ::kill(pid_, SIGKILL);
  wait_exit(pid_);
  pid_ = -1;
}

void pg_server::restart() {
  stop();
  start();
}

std::string pg_server::create_database(std::string_view name) {
  pqxx::connection c(url());
  pqxx::nontransaction n(c);
  n.exec("CREATE DATABASE " + n.quote_name(std::string(name)));
  return url(name);
}

std::string pg_server::fresh_database_name(std::string_view prefix) {
  return std::string(prefix) + "_" + std::to_string(++databases_);
}

std::string pg_server::log_tail(std::size_t max_bytes) const {
  const std::string all = read_file(dir_ / "postgres.log");
  return all.size() > max_bytes ? all.substr(all.size() - max_bytes) : all;
}

pg_server& shared_pg_server() {
  auto& slot = shared_slot();
  if (!slot) {
    auto server = std::make_unique<pg_server>();
    server->start();
    slot = std::move(server);
  }
  if (!slot->running())
    slot->start();
  return *slot;
}

void pg_environment::TearDown() {
  shared_slot().reset();
}

} // namespace mc::persistence::testing
