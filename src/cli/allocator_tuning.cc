#include "cli/allocator_tuning.h"

#include <malloc.h>

namespace borgscope {

void KeepFreedMemoryInProcess() {
  // Blocks below 64 MiB from the heap, and up to 256 MiB of free heap kept.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace borgscope
