#include "stream/stream_state.h"

#include <fmt/core.h>

#include <algorithm>

#include "errors.h"

namespace borgscope {
namespace {

constexpr uint32_t kStateVersion = 1;

uint64_t SourceKey(const SourcePosition& source) {
  return static_cast<uint64_t>(source.table) << 32 | source.shard;
}

void PutCounts(const Counts& counts, WireWriter& out) {
  out.Put<uint64_t>(counts.size());
  for (const auto& [key, count] : counts) {
    out.Put(static_cast<uint8_t>(key.table));
    out.Put(key.scheduling_class);
    out.Put(key.event_type);
    out.Put(count);
  }
}

void GetCounts(WireReader& in, Counts& counts) {
  counts.clear();
  for (uint64_t i = 0, n = in.GetCount(25); i < n; ++i) {
    CountKey key;
    key.table = static_cast<Table>(in.Get<uint8_t>());
    key.scheduling_class = in.Get<int64_t>();
    key.event_type = in.Get<int64_t>();
    counts[key] = in.Get<uint64_t>();
  }
}

}  // namespace

StreamState::StreamState(int64_t window_micros) : window_micros_(window_micros) {
  if (window_micros <= 0) throw UsageError("the window must be longer than 0");
}

bool StreamState::Consume(Table table, const EventFields& fields,
                          const std::optional<SourcePosition>& source) {
  if (source && !seen_[SourceKey(*source)].Insert(source->line)) {
    ++duplicates_;
    return false;
  }
  const CountKey key{table, fields.scheduling_class, fields.event_type};
  ++totals_[key];
  ++counted_;
  if (fields.time != kTimeAfterWindow) {
    const int64_t window = fields.time / window_micros_;
    ++windows_[window][key];
    if (windows_.size() > kMaxWindows) windows_.erase(windows_.begin());
    max_event_time_ = std::max(max_event_time_, fields.time);
  }
  return true;
}

std::vector<StreamState::SourceProgress> StreamState::Sources() const {
  std::vector<SourceProgress> sources;
  for (const auto& [key, lines] : seen_) {
    const Table table = static_cast<Table>(key >> 32);
    const uint32_t shard = static_cast<uint32_t>(key & 0xffffffffu);
    sources.push_back({fmt::format("{}:{}", TableName(table), shard), lines.contiguous(),
                       lines.counted_after_contiguous()});
  }
  std::sort(sources.begin(), sources.end(),
            [](const SourceProgress& a, const SourceProgress& b) { return a.source < b.source; });
  return sources;
}

std::optional<int64_t> StreamState::LatestClosedWindow() const {
  if (max_event_time_ < 0) return std::nullopt;
  auto open = windows_.lower_bound(max_event_time_ / window_micros_);
  if (open == windows_.begin()) return std::nullopt;
  return std::prev(open)->first;
}

void StreamState::Merge(const StreamState& other) {
  if (other.window_micros_ != window_micros_) {
    throw InternalError("merging stream states with different windows");
  }
  for (const auto& [key, count] : other.totals_) totals_[key] += count;
  for (const auto& [window, counts] : other.windows_) {
    Counts& mine = windows_[window];
    for (const auto& [key, count] : counts) mine[key] += count;
  }
  while (windows_.size() > kMaxWindows) windows_.erase(windows_.begin());
  for (const auto& [source, lines] : other.seen_) seen_[source].Merge(lines);
  counted_ += other.counted_;
  duplicates_ += other.duplicates_;
  max_event_time_ = std::max(max_event_time_, other.max_event_time_);
}

void StreamState::Serialize(WireWriter& out) const {
  out.Put(kStateVersion);
  out.Put(window_micros_);
  out.Put(counted_);
  out.Put(duplicates_);
  out.Put(max_event_time_);
  PutCounts(totals_, out);
  out.Put<uint64_t>(windows_.size());
  for (const auto& [window, counts] : windows_) {
    out.Put(window);
    PutCounts(counts, out);
  }
  out.Put<uint64_t>(seen_.size());
  for (const auto& [source, lines] : seen_) {
    out.Put(source);
    lines.Serialize(out);
  }
}

void StreamState::Deserialize(WireReader& in) {
  if (in.Get<uint32_t>() != kStateVersion) throw DataError("stream state: unknown version");
  window_micros_ = in.Get<int64_t>();
  counted_ = in.Get<uint64_t>();
  duplicates_ = in.Get<uint64_t>();
  max_event_time_ = in.Get<int64_t>();
  GetCounts(in, totals_);
  windows_.clear();
  for (uint64_t i = 0, n = in.GetCount(16); i < n; ++i) {
    int64_t window = in.Get<int64_t>();
    GetCounts(in, windows_[window]);
  }
  seen_.clear();
  for (uint64_t i = 0, n = in.GetCount(24); i < n; ++i) {
    uint64_t source = in.Get<uint64_t>();
    seen_[source].Deserialize(in);
  }
}

}  // namespace borgscope
