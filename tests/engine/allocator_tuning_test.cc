// ReexecWithHugePageMalloc (engine/allocator_tuning.h), run in a child
// process that it re-executes as another program (/usr/bin/env: its output
// shows the environment the program got).

#include "engine/allocator_tuning.h"

#include <fmt/core.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace borgscope {
namespace {

// In a child with GLIBC_TUNABLES = `tunables` (unset when null): what
// `program` (`argv`) printed if the child was re-executed, else "returned".
std::string ChildOutput(const char* tunables, const char* program = "/usr/bin/env",
                        std::vector<std::string> args = {"env"}) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return "pipe failed";
  const pid_t child = fork();
  if (child == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    if (tunables != nullptr) {
      setenv("GLIBC_TUNABLES", tunables, 1);
    } else {
      unsetenv("GLIBC_TUNABLES");
    }
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ReexecWithHugePageMalloc(argv.data(), program);
    (void)!write(STDOUT_FILENO, "returned", 8);
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string output;
  char buffer[4096];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) output.append(buffer, n);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  return output;
}

TEST(ReexecWithHugePageMalloc, AddsTheTunableOnceWhenTheKernelOffersHugePages) {
  const std::string output = ChildOutput(nullptr);
  if (!KernelOffersHugePages()) {
    EXPECT_EQ(output, "returned");
    GTEST_SKIP() << "no transparent huge pages on this machine";
  }
  EXPECT_NE(("\n" + output).find("\nGLIBC_TUNABLES=glibc.malloc.hugetlb=1\n"), std::string::npos)
      << output;
}

TEST(ReexecWithHugePageMalloc, KeepsTheUsersOtherTunables) {
  const std::string output = ChildOutput("glibc.malloc.arena_max=2");
  if (!KernelOffersHugePages()) GTEST_SKIP() << "no transparent huge pages on this machine";
  EXPECT_NE(
      ("\n" + output).find("\nGLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1\n"),
      std::string::npos)
      << output;
}

TEST(ReexecWithHugePageMalloc, RunsTheLinkedFileSoTheProcessKeepsItsName) {
  if (!KernelOffersHugePages()) GTEST_SKIP() << "no transparent huge pages on this machine";
  // As /proc/self/exe is a link to the program: the process name comes from
  // the file executed ("cat"), not from the link ("exe" for /proc/self/exe).
  const std::filesystem::path link =
      std::filesystem::temp_directory_path() / fmt::format("borgscope-exe-{}", getpid());
  std::filesystem::remove(link);
  std::filesystem::create_symlink("/bin/cat", link);
  const std::string output = ChildOutput(nullptr, link.c_str(), {"cat", "/proc/self/comm"});
  std::filesystem::remove(link);
  EXPECT_EQ(output, "cat\n");
}

TEST(ReexecWithHugePageMalloc, LeavesAHugetlbSettingAlone) {
  // The user's choice, or this function's own mark after the exec: no loop.
  EXPECT_EQ(ChildOutput("glibc.malloc.hugetlb=0"), "returned");
  EXPECT_EQ(ChildOutput("glibc.malloc.hugetlb=1"), "returned");
}

}  // namespace
}  // namespace borgscope
