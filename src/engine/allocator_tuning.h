#pragma once
// borgscope's processes grow large hash maps and buffers (analyze: per-task
// and per-machine-window maps, serialized MPI parts; streaming: librdkafka's
// ~1 MB batches). Measured with perf, page faults on fresh memory were the
// largest single cost after inflating (11-15 % of the CPU). Two remedies:
//  - keep freed memory in the process: with glibc's defaults blocks above a
//    few MB come from mmap and freed heap tops go back to the kernel, so memory
//    freed by one growth step is paid again by the next;
//  - back malloc's memory with transparent huge pages (glibc's
//    glibc.malloc.hugetlb=1 tunable, when the kernel offers THP on request):
//    one fault per 2 MB instead of one per 4 KB.
// Measured on bench/mpi_bench.sh's generated trace (scale 1.0), analyze alone
// 4.3 s -> 3.6 s -> 2.5 s, and 2 MPI ranks 3.5 s -> 2.9 s -> 2.2 s; streaming
// +25-40 % events/s (bench/stream_bench.sh).

namespace borgscope {

// glibc reads its tunables only at process start: when the kernel offers
// transparent huge pages on request and GLIBC_TUNABLES does not mention
// glibc.malloc.hugetlb yet, re-executes this program (same pid, arguments and
// environment) with glibc.malloc.hugetlb=1 added; otherwise, or if that
// fails, returns. Setting glibc.malloc.hugetlb=0 turns it off. Not done under
// valgrind (it would lose the process) nor for set-uid runs. `program` is
// what is executed, symbolic links resolved (tests pass another program).
void ReexecWithHugePageMalloc(char** argv, const char* program = "/proc/self/exe");

// Call once, at the start of the process.
void KeepFreedMemoryInProcess();

// Both of the above: what every borgscope process (and the kernels bench)
// does first thing in main.
void SetUpProcessMemory(char** argv);

// True unless transparent huge pages are off ([never]) or absent.
bool KernelOffersHugePages();

// glibc gives each thread but the first an arena of its own: heaps of 64
// MiB, each aligned to its size, made writable a few pages past the top at a
// time as they fill. glibc.malloc.hugetlb=1 advises only the main arena's
// memory for huge pages, and a huge page needs its whole 2 MiB writable: a
// scan thread's states were faulted in 4 KiB at a time (each fault costs
// microseconds on a virtual machine; docs/performance.md). Makes the
// whole heap the calling thread's next blocks come from writable (memory
// only once touched, as before) and advises it for huge pages, once per
// heap; when glibc's tunable is on (see ReexecWithHugePageMalloc), and not
// on the main arena, without glibc, under sanitizers or valgrind, or under
// strict overcommit.
void AdviseHugePagesForThreadArena();

}  // namespace borgscope
