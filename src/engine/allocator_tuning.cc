#include "engine/allocator_tuning.h"

#include <malloc.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace borgscope {
namespace {

constexpr const char* kHugePageTunable = "glibc.malloc.hugetlb";

bool UnderValgrind() {
  const char* preload = std::getenv("LD_PRELOAD");
  return preload != nullptr && std::strstr(preload, "vgpreload") != nullptr;
}

}  // namespace

bool KernelOffersHugePages() {
  // "always [madvise] never": glibc's madvise(MADV_HUGEPAGE) takes effect
  // unless THP is [never]; no file: no THP in this kernel.
  std::ifstream setting("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  if (!std::getline(setting, modes)) return false;
  return modes.find("[never]") == std::string::npos;
}

void ReexecWithHugePageMalloc(char** argv, const char* program) {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const std::string current = tunables != nullptr ? tunables : "";
  // Present already: set by the user, or by this function before the exec
  // (the check that keeps it from looping).
  if (current.find(kHugePageTunable) != std::string::npos) return;
  if (getauxval(AT_SECURE) != 0 || UnderValgrind() || !KernelOffersHugePages()) return;
  const std::string wanted =
      (current.empty() ? "" : current + ":") + std::string(kHugePageTunable) + "=1";
  if (setenv("GLIBC_TUNABLES", wanted.c_str(), /*overwrite=*/1) != 0) return;
  // The program's own path rather than /proc/self/exe: the process's name
  // (ps, top, perf) is the name of the file executed.
  std::error_code error;
  const std::filesystem::path path = std::filesystem::read_symlink(program, error);
  execv(error ? program : path.c_str(), argv);
  // No /proc, or the exec failed: run on with the default allocator setup.
}

void KeepFreedMemoryInProcess() {
  // Blocks below 64 MiB from the heap, and up to 256 MiB of free heap kept.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

void SetUpProcessMemory(char** argv) {
  ReexecWithHugePageMalloc(argv);
  KeepFreedMemoryInProcess();
}

}  // namespace borgscope
