// lastword/nightly/process.hpp: child processes for the nightly run (the
// fuzz targets run as their own processes: a crash or a sanitizer report
// ends the child, never the runner).
//
// A child gets its own process group, so that stopping it stops what it
// started too; its stdout and stderr come back through one pipe that the
// runner reads without blocking.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace lastword::nightly {

class child {
 public:
  // Starts argv[0] (a path) with the extra environment `env` (NAME=VALUE),
  // in `cwd` when not empty. pid() is -1 when it could not start.
  child(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& cwd = {});
  ~child();
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  pid_t pid() const { return pid_; }
  int output_fd() const { return fd_; }
  // Appends what the child wrote since the last call; false at its end.
  bool read_some(std::string& into);
  // Whether the child has exited (then status() is its exit status, or
  // 128 + signal).
  bool poll_exit();
  int status() const { return status_; }
  // Signals the child's process group.
  void signal(int sig);
  // Waits for the end of the child, killing it after `seconds`.
  int wait(double seconds);

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  bool exited_ = false;
  int status_ = -1;
};

// Runs a command to its end (killed after `seconds`): its exit status
// (124 when killed for time) and everything it printed.
std::pair<int, std::string> run_to_end(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                       double seconds, const std::string& cwd = {});

// A shell-quoted command line, for the reproduce commands the user sees.
std::string shell_quote(const std::string& s);
std::string command_line(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

}  // namespace lastword::nightly
