#include "lastword/nightly/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <string_view>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace lastword::nightly {

child::child(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& cwd) {
  int fds[2];
  if (argv.empty() || ::pipe2(fds, O_CLOEXEC) != 0) return;
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return;
  }
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(127);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);
  ::close(fds[1]);
  fd_ = fds[0];
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

child::~child() {
  if (pid_ > 0 && !exited_) {
    signal(SIGKILL);
    wait(5);
  }
  if (fd_ >= 0) ::close(fd_);
}

bool child::read_some(std::string& into) {
  if (fd_ < 0) return false;
  std::array<char, 65536> buf{};
  for (;;) {
    const ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n > 0) {
      into.append(buf.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) {
      ::close(fd_);
      fd_ = -1;
      return false;
    }
    return errno == EAGAIN || errno == EINTR;
  }
}

bool child::poll_exit() {
  if (exited_ || pid_ <= 0) return true;
  int st = 0;
  const pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r != pid_) return false;
  exited_ = true;
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  return true;
}

void child::signal(int sig) {
  if (pid_ > 0 && !exited_) ::kill(-pid_, sig);
}

int child::wait(double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::string sink;
  while (!poll_exit()) {
    if (std::chrono::steady_clock::now() > deadline) {
      signal(SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
      exited_ = true;
      status_ = 124;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status_;
}

std::pair<int, std::string> run_to_end(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                       double seconds, const std::string& cwd) {
  child c(argv, env, cwd);
  if (c.pid() < 0) return {127, "cannot start " + (argv.empty() ? std::string("nothing") : argv[0])};
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  bool open = true;
  while (open) {
    pollfd p{c.output_fd(), POLLIN, 0};
    ::poll(&p, 1, 100);
    open = c.read_some(out);
    if (std::chrono::steady_clock::now() > deadline) {
      c.signal(SIGKILL);
      c.wait(5);
      return {124, out + "\n(killed after " + std::to_string(static_cast<int>(seconds)) + " s)\n"};
    }
  }
  return {c.wait(seconds), out};
}

std::string shell_quote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-_./=:,+%@").find(c) != std::string_view::npos))
      plain = false;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string command_line(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  std::string out;
  for (const auto& e : env) out += shell_quote(e) + " ";
  for (const auto& a : argv) out += (&a == &argv.front() ? "" : " ") + shell_quote(a);
  return out;
}

}  // namespace lastword::nightly
