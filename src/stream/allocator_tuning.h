#pragma once
// The streaming processes (broker, replay, stream, live) allocate and free a
// message-sized buffer or two per event inside librdkafka, and its batches
// are ~1 MB. With glibc's defaults those batches come from mmap and freed
// heap tops go back to the kernel, so every batch is paid again in page
// faults (~15 % of the replay's CPU, measured with perf). Keeping freed
// memory in the process removes them: +25-40 % events/s end to end
// (bench/stream_bench.sh).

namespace borgscope {

// Call once, at the start of a streaming command.
void KeepFreedMemoryInProcess();

}  // namespace borgscope
