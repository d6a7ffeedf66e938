#pragma once
// borgscope's processes grow large hash maps and buffers (analyze: per-task
// and per-machine-window maps, serialized MPI parts; streaming: librdkafka's
// ~1 MB batches). With glibc's defaults blocks above a few MB come from mmap
// and freed heap tops go back to the kernel, so memory freed by one growth
// step is paid again in page faults by the next. Keeping freed memory in the
// process, measured: analyze 18 % faster alone and 25 % faster at 2 MPI ranks
// (bench/mpi_bench.sh), streaming +25-40 % events/s (bench/stream_bench.sh).

namespace borgscope {

// Call once, at the start of the process.
void KeepFreedMemoryInProcess();

}  // namespace borgscope
