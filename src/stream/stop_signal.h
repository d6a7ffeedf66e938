#pragma once
// SIGINT / SIGTERM as a stop request that long-running commands (broker,
// replay, stream, live) poll, so they can stop gracefully: flush the producer,
// write a final checkpoint, leave the consumer group.

#include <atomic>
#include <chrono>

namespace borgscope {

// Installs the handlers (once); a second signal while stopping kills the
// process the default way, so a stuck shutdown can still be interrupted.
void InstallStopSignals();

// The flag the handlers set; tests and `live` may set it themselves.
std::atomic<bool>& StopRequested();

// Sleeps up to `duration`, returning early (true) when a stop was requested.
bool SleepUnlessStopped(std::chrono::milliseconds duration);

}  // namespace borgscope
