#include "stream/metrics_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

namespace borgscope {
namespace {

std::vector<std::pair<CountKey, uint64_t>> Sorted(const Counts& counts) {
  std::vector<std::pair<CountKey, uint64_t>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

void Header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void CountSeries(std::string& out, std::string_view name, const Counts& counts) {
  for (const auto& [key, count] : Sorted(counts)) {
    fmt::format_to(std::back_inserter(out),
                   "{}{{table=\"{}\",scheduling_class=\"{}\",event_type=\"{}\"}} {}\n", name,
                   TableName(key.table), ClassLabel(key.scheduling_class),
                   EventTypeName(key.event_type), count);
  }
}

}  // namespace

std::string ClassLabel(int64_t scheduling_class) {
  return scheduling_class == kNull ? std::string() : std::to_string(scheduling_class);
}

std::string RenderPrometheus(const StreamState& state, const LiveStats& stats) {
  std::string out;
  auto append = [&out]<typename... Args>(fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
  };
  Header(out, "borgscope_events_total", "counter",
         "Trace events counted, per table, scheduling class and event type (duplicates dropped).");
  CountSeries(out, "borgscope_events_total", state.totals());

  Header(out, "borgscope_window_events", "gauge",
         "Events in the latest closed event-time window, per table, scheduling class and event "
         "type.");
  std::optional<int64_t> closed = state.LatestClosedWindow();
  if (closed) CountSeries(out, "borgscope_window_events", state.windows().at(*closed));
  Header(out, "borgscope_window_start_seconds", "gauge",
         "Trace time at which the latest closed window starts.");
  if (closed) {
    append("borgscope_window_start_seconds {}\n", *closed * (state.window_micros() / 1'000'000));
  }
  Header(out, "borgscope_window_seconds", "gauge", "Length of the event-time windows.");
  append("borgscope_window_seconds {}\n", state.window_micros() / 1e6);

  Header(out, "borgscope_consumer_lag", "gauge",
         "Messages between the stream's position and the end of each partition.");
  for (const auto& [partition, lag] : stats.lag) {
    append("borgscope_consumer_lag{{topic=\"{}\",partition=\"{}\"}} {}\n", partition.first,
           partition.second, lag);
  }

  Header(out, "borgscope_duplicates_dropped_total", "counter",
         "Messages dropped because their source position was already counted.");
  append("borgscope_duplicates_dropped_total {}\n", state.duplicates());
  Header(out, "borgscope_bad_messages_total", "counter",
         "Messages skipped because they are not trace events.");
  append("borgscope_bad_messages_total {}\n", stats.bad_messages);
  Header(out, "borgscope_messages_missed_total", "counter",
         "Messages gone from the broker before the stream read them (not counted).");
  append("borgscope_messages_missed_total {}\n", stats.messages_missed);
  Header(out, "borgscope_checkpoints_total", "counter", "Checkpoints written by this process.");
  append("borgscope_checkpoints_total {}\n", stats.checkpoints_written);

  Header(out, "borgscope_event_latency_seconds", "histogram",
         "From produce (replay) to counted (stream), wall clock.");
  for (double bound : LatencyBucketBounds()) {
    append("borgscope_event_latency_seconds_bucket{{le=\"{}\"}} {}\n", bound,
           stats.latency.CountAtMost(bound));
  }
  append("borgscope_event_latency_seconds_bucket{{le=\"+Inf\"}} {}\n", stats.latency.count());
  append("borgscope_event_latency_seconds_sum {}\n", stats.latency.sum_seconds());
  append("borgscope_event_latency_seconds_count {}\n", stats.latency.count());

  Header(out, "borgscope_events_per_second", "gauge",
         "Events counted per wall second over the last second.");
  append("borgscope_events_per_second {:.1f}\n", stats.events_per_second);
  Header(out, "borgscope_trace_time_seconds", "gauge",
         "Largest event time counted (trace seconds).");
  append("borgscope_trace_time_seconds {}\n", std::max<int64_t>(state.max_event_time(), 0) / 1e6);
  return out;
}

std::string RenderCountsJson(const StreamState& state, const LiveStats& stats, size_t max_windows) {
  using nlohmann::json;
  json totals = json::array();
  for (const auto& [key, count] : Sorted(state.totals())) {
    totals.push_back({{"table", TableName(key.table)},
                      {"scheduling_class", ClassLabel(key.scheduling_class)},
                      {"event_type", EventTypeName(key.event_type)},
                      {"events", count}});
  }
  json windows = json::array();
  const auto& all = state.windows();
  auto first = all.begin();
  if (all.size() > max_windows) std::advance(first, all.size() - max_windows);
  for (auto it = first; it != all.end(); ++it) {
    json by_class = json::object(), by_type = json::object();
    for (const auto& [key, count] : it->second) {
      std::string klass = key.scheduling_class == kNull ? "none" : ClassLabel(key.scheduling_class);
      by_class[klass] = by_class.value(klass, uint64_t{0}) + count;
      std::string type(EventTypeName(key.event_type));
      by_type[type] = by_type.value(type, uint64_t{0}) + count;
    }
    windows.push_back({{"start_seconds", it->first * (state.window_micros() / 1'000'000)},
                       {"by_class", by_class},
                       {"by_event_type", by_type}});
  }
  int64_t lag = 0;
  for (const auto& [partition, behind] : stats.lag) lag += behind;
  json sources = json::object();
  for (const StreamState::SourceProgress& source : state.Sources()) {
    sources[source.source] = {{"contiguous_lines", source.contiguous},
                              {"lines_after_gap", source.counted_after}};
  }
  json page = {{"events", state.counted()},
               {"duplicates_dropped", state.duplicates()},
               {"bad_messages", stats.bad_messages},
               {"messages_missed", stats.messages_missed},
               {"sources", sources},
               {"events_per_second", stats.events_per_second},
               {"consumer_lag", lag},
               {"assigned", stats.assigned},
               {"latency_p50_seconds", stats.latency.Quantile(0.5)},
               {"latency_p99_seconds", stats.latency.Quantile(0.99)},
               {"latency_count", stats.latency.count()},
               {"trace_time_seconds", std::max<int64_t>(state.max_event_time(), 0) / 1'000'000},
               {"window_seconds", state.window_micros() / 1'000'000},
               {"totals", totals},
               {"windows", windows}};
  return page.dump();
}

}  // namespace borgscope
