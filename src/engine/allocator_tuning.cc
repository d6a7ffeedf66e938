#include "engine/allocator_tuning.h"

#include <malloc.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
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

void AdviseHugePagesForThreadArena() {
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  static const bool huge_pages = [] {
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    // Under strict overcommit (mode 2) a writable heap is committed whole.
    std::ifstream overcommit("/proc/sys/vm/overcommit_memory");
    int mode = 0;
    overcommit >> mode;
    return tunables != nullptr &&
           std::strstr(tunables, (std::string(kHugePageTunable) + "=1").c_str()) != nullptr &&
           !UnderValgrind() && mode != 2;
  }();
  if (!huge_pages) return;
  // glibc's layout: a chunk's size word precedes it, with bit 2 set when the
  // chunk is not the main arena's; a thread's heap is HEAP_MAX_SIZE (2 x
  // DEFAULT_MMAP_THRESHOLD_MAX = 64 MiB on 64-bit) and aligned to it. Were
  // either to change, the calls below would fall on memory that is no heap's
  // or not mapped, and fail. A block of this size mostly comes from the top
  // of the arena's newest heap (few free blocks that large are left over),
  // and never from mmap (glibc's threshold starts at twice its size).
  constexpr size_t kNonMainArena = 0x4;
  constexpr uintptr_t kHeapMaxSize = uintptr_t{2} * 4 * 1024 * 1024 * sizeof(long);
  constexpr size_t kProbeBytes = 64 << 10;
  thread_local uintptr_t advised_heap = 0;
  void* probe = std::malloc(kProbeBytes);
  if (probe == nullptr) return;
  // The size word is malloc's, outside the block: read through an address
  // the compiler cannot tie to the block's bounds.
  uintptr_t address = reinterpret_cast<uintptr_t>(probe);
  asm("" : "+r"(address));
  size_t size_word;
  std::memcpy(&size_word, reinterpret_cast<const void*>(address - sizeof(size_t)),
              sizeof size_word);
  const uintptr_t heap = address & ~(kHeapMaxSize - 1);
  if ((size_word & kNonMainArena) != 0 && heap != advised_heap) {
    advised_heap = heap;
    void* start = reinterpret_cast<void*>(heap);
    if (mprotect(start, kHeapMaxSize, PROT_READ | PROT_WRITE) == 0) {
      madvise(start, kHeapMaxSize, MADV_HUGEPAGE);
    }
  }
  std::free(probe);
#endif
}

void SetUpProcessMemory(char** argv) {
  ReexecWithHugePageMalloc(argv);
  KeepFreedMemoryInProcess();
}

}  // namespace borgscope
