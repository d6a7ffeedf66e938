// ReexecWithHugePageMalloc (engine/allocator_tuning.h), run in a child
// process that it re-executes as another program (/usr/bin/env: its output
// shows the environment the program got); AdviseHugePagesForThreadArena, in
// a child too (the tunable it reads is the process's), on a thread's heap
// as /proc/self/smaps shows it.

#include "engine/allocator_tuning.h"

#include <fmt/core.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace borgscope {
namespace {

// What `body` returned in a child process with GLIBC_TUNABLES = `tunables`
// (unset when null), or what the child wrote to its output before.
std::string RunInChild(const char* tunables, const std::function<std::string()>& body) {
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
    const std::string result = body();
    (void)!write(STDOUT_FILENO, result.data(), result.size());
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

// In a child with GLIBC_TUNABLES = `tunables` (unset when null): what
// `program` (`argv`) printed if the child was re-executed, else "returned".
std::string ChildOutput(const char* tunables, const char* program = "/usr/bin/env",
                        std::vector<std::string> args = {"env"}) {
  return RunInChild(tunables, [&] {
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ReexecWithHugePageMalloc(argv.data(), program);
    return std::string("returned");
  });
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

// The mapping of `address` in /proc/self/smaps: "<start>-<end> <perms> <VmFlags>"
// in hex, or "none".
std::string MappingOf(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<uintptr_t>(address);
  std::string line;
  bool found = false;
  std::string mapping = "none";
  while (std::getline(smaps, line)) {
    uintptr_t start = 0, end = 0;
    char dash = 0;
    std::istringstream fields(line);
    std::string perms;
    if (fields >> std::hex >> start >> dash >> end >> perms && dash == '-') {
      if (found) break;  // the next mapping
      found = start <= at && at < end;
      if (found) mapping = fmt::format("{:x}-{:x} {}", start, end, perms);
    } else if (found && line.starts_with("VmFlags:")) {
      mapping += line.substr(8);
    }
  }
  return mapping;
}

// In a child with GLIBC_TUNABLES = `tunables`: a thread's heap's mapping
// after AdviseHugePagesForThreadArena, and where the heap starts.
std::string ThreadHeapAfterAdvice(const char* tunables, uintptr_t& heap) {
  const std::string output = RunInChild(tunables, [] {
    std::string result;
    std::thread([&] {
      void* block = std::malloc(1000);  // the thread's arena, made now
      AdviseHugePagesForThreadArena();
      const uintptr_t heap_start =
          reinterpret_cast<uintptr_t>(block) & ~((uintptr_t{64} << 20) - 1);
      result = fmt::format("{:x} {}", heap_start, MappingOf(block));
      std::free(block);
    }).join();
    return result;
  });
  std::istringstream(output) >> std::hex >> heap;
  return output.substr(output.find(' ') + 1);
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizedMalloc = true;  // the sanitizer's malloc: no glibc arenas
#else
constexpr bool kSanitizedMalloc = false;
#endif

TEST(AdviseHugePagesForThreadArena, MakesTheThreadsWholeHeapWritableAndAdvised) {
  if (!KernelOffersHugePages() || kSanitizedMalloc) GTEST_SKIP() << "no THP or no glibc malloc";
  uintptr_t heap = 0;
  const std::string mapping = ThreadHeapAfterAdvice("glibc.malloc.hugetlb=1", heap);
  // glibc makes a new heap writable only as far as it is used: the whole
  // 64 MiB now, one mapping, advised ("hg").
  EXPECT_EQ(mapping.substr(0, mapping.find(' ') + 4),
            fmt::format("{:x}-{:x} rw-", heap, heap + (uintptr_t{64} << 20)))
      << mapping;
  EXPECT_NE(mapping.find(" hg"), std::string::npos) << mapping;
}

TEST(AdviseHugePagesForThreadArena, DoesNothingWhenTheTunableIsOff) {
  if (kSanitizedMalloc) GTEST_SKIP() << "no glibc malloc";
  uintptr_t heap = 0;
  const std::string mapping = ThreadHeapAfterAdvice("glibc.malloc.hugetlb=0", heap);
  EXPECT_EQ(mapping.find(" hg"), std::string::npos) << mapping;
  EXPECT_NE(mapping.substr(0, mapping.find(' ')),
            fmt::format("{:x}-{:x}", heap, heap + (uintptr_t{64} << 20)))
      << mapping;
}

TEST(ReexecWithHugePageMalloc, LeavesAHugetlbSettingAlone) {
  // The user's choice, or this function's own mark after the exec: no loop.
  EXPECT_EQ(ChildOutput("glibc.malloc.hugetlb=0"), "returned");
  EXPECT_EQ(ChildOutput("glibc.malloc.hugetlb=1"), "returned");
}

}  // namespace
}  // namespace borgscope
