#pragma once
// How much memory an `analyze` run may use (--memory-limit) and how much it
// uses now. The limit bounds the process's resident memory; keyed states
// spill to disk (spill_store.h) when the live heap reaches the share of the
// limit that is left for them.

#include <cstdint>
#include <optional>
#include <string_view>

namespace borgscope {

// Physical memory of the machine, and the cgroup's memory limit when one is
// set (cgroup v2 memory.max, or v1 memory.limit_in_bytes).
uint64_t PhysicalMemoryBytes();
std::optional<uint64_t> CgroupMemoryLimitBytes();

// The default limit: 75 % of the machine's memory, or of the cgroup's limit
// when that is lower.
uint64_t DefaultMemoryLimitBytes();

// "512M", "4G", "1.5G", "300000000" (bytes), "512MB", "75%" (of the
// default's base: physical memory, or the cgroup limit when lower). Throws
// UsageError naming the text.
uint64_t ParseMemorySize(std::string_view text);

// Resident memory of the process now (/proc/self/statm).
uint64_t CurrentRssBytes();

// Bytes malloc has handed out and not had back (all arenas, mmapped blocks
// included): what the keyed states hold, without the freed memory that
// malloc keeps for reuse.
uint64_t LiveHeapBytes();

// Under a limit, malloc keeps less of what is freed (allocator_tuning.h keeps
// up to 256 MB) and serves large blocks (hash tables' slots) by mmap, so that
// a spilled state's memory leaves the process's resident set.
void KeepFreedMemoryBelow(uint64_t limit);

// Gives the pages of freed memory back to the kernel, also those between
// blocks still in use (what a spilled hash map's nodes leave).
void ReturnFreedMemory();

// What a run needs besides its keyed states: the process as it is now (code,
// libraries, heap) and each scan thread's buffers. Below it no limit can hold.
uint64_t MemoryFloorBytes(int threads);

}  // namespace borgscope
