#pragma once
// What the stream serves, rendered from its state and live figures:
// Prometheus' text exposition format (/metrics) and the JSON the dashboard
// polls (/api/counts). Series are sorted, so scrapes are stable and diffable.

#include <string>

#include "stream/stream_processor.h"

namespace borgscope {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string RenderPrometheus(const StreamState& state, const LiveStats& stats);

// {"events":…, "totals":[{table, scheduling_class, event_type, events}…],
//  "windows":[{"start_seconds":…, "by_class":{…}, "by_event_type":{…}}…], …}
// with at most `max_windows` of the newest windows.
std::string RenderCountsJson(const StreamState& state, const LiveStats& stats,
                             size_t max_windows = 240);

// "" for an empty class (as in q3's CSV), else the number.
std::string ClassLabel(int64_t scheduling_class);

}  // namespace borgscope
