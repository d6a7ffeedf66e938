#include "report/gnuplot.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>
#include <vector>

#include "errors.h"

extern char** environ;

namespace borgscope {
namespace {

// Where `program` would be run from: itself when it names a path, else the
// first executable of that name on PATH; empty when there is none.
std::string FindProgram(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return access(program.c_str(), X_OK) == 0 ? program : "";
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? "" : dirs.substr(colon + 1);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string MissingGnuplotMessage(const std::string& program) {
  return fmt::format(
      "cannot run {} to draw the plots: install gnuplot (Debian: apt-get install gnuplot-nox) "
      "or pass --no-plots",
      program);
}

}  // namespace

// posix_spawnp rather than popen: no shell to quote for, and both ends of
// the conversation (stdin, and stdout + stderr) in our hands.
GnuplotResult RunGnuplot(const std::string& program, const std::string& script) {
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) throw IoError(fmt::format("pipe: {}", std::strerror(errno)));
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    throw IoError(fmt::format("pipe: {}", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 2);
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), nullptr};
  pid_t pid = 0;
  int spawn_error = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  if (spawn_error != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    if (spawn_error == ENOENT || spawn_error == EACCES) {
      throw UsageError(MissingGnuplotMessage(program));
    }
    throw IoError(fmt::format("cannot start {}: {}", program, std::strerror(spawn_error)));
  }

  GnuplotResult result;
  // Read while writing, so that neither side waits on a full pipe.
  std::thread reader([fd = out_pipe[0], &result] {
    std::array<char, 4096> buffer;
    for (;;) {
      ssize_t n = read(fd, buffer.data(), buffer.size());
      if (n > 0) {
        result.output.append(buffer.data(), static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        break;
      }
    }
  });
  // A gnuplot that died early must not kill us with SIGPIPE: block it in this
  // thread and take the pending one back.
  sigset_t pipe_signal, old_mask;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &old_mask);
  for (size_t written = 0; written < script.size();) {
    ssize_t n = write(in_pipe[1], script.data() + written, script.size() - written);
    if (n > 0) {
      written += static_cast<size_t>(n);
    } else if (errno != EINTR) {
      if (errno == EPIPE) {
        timespec zero{};
        sigtimedwait(&pipe_signal, nullptr, &zero);
      }
      break;  // the exit status tells what happened
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  close(in_pipe[1]);
  reader.join();
  close(out_pipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

void RequireGnuplot(const PlotOptions& options) {
  if (FindProgram(options.gnuplot).empty()) {
    throw UsageError(MissingGnuplotMessage(options.gnuplot));
  }
}

// The last non-blank lines of gnuplot's output (its error, not pages of
// warnings), trimmed, one per line.
std::string OutputTail(const std::string& text, size_t max_lines) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos) lines.push_back(line.substr(first));
  }
  if (lines.empty()) return "(no output)";
  std::string tail;
  for (size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i) {
    tail += (tail.empty() ? "" : "\n  ") + lines[i];
  }
  return tail;
}

}  // namespace borgscope
