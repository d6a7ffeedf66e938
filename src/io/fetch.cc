#include "io/fetch.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include "errors.h"
#include "io/fetch_shard.h"

namespace borgscope {

namespace fs = std::filesystem;

namespace {

// The real SHA256SUM is ~2000 lines; anything far larger is not one.
constexpr size_t kMaxChecksumBytes = 16 << 20;
constexpr int kMaxJobs = 64;

std::string TrimSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

void CheckCommonOptions(const std::string& base_url, int jobs, const RetryPolicy& retry) {
  if (base_url.empty()) throw UsageError("--base-url must not be empty");
  if (jobs < 1 || jobs > kMaxJobs) {
    throw UsageError(fmt::format("--jobs must be between 1 and {}, got {}", kMaxJobs, jobs));
  }
  if (retry.retries < 0) throw UsageError("--retries must not be negative");
  if (!(retry.first_delay_seconds >= 0)) throw UsageError("--retry-delay must not be negative");
}

std::vector<Table> AllTablesIfEmpty(const std::vector<Table>& tables) {
  return tables.empty() ? std::vector<Table>(kAllTables.begin(), kAllTables.end()) : tables;
}

// A one-shard table (machine_events) is the whole table for any range, as in
// DiscoverShards: every slice of time needs the machines.
bool InRange(const RemoteShard& shard, const ShardRange& range) {
  return shard.count == 1 || range.Contains(shard.index);
}

// Runs work(session, i) for every i in [0, count) on up to `jobs` threads,
// each with its own HttpSession. The first exception stops handing out work
// and is rethrown once every thread has finished.
template <typename Work>
void ParallelFor(size_t count, int jobs, Work work) {
  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::exception_ptr error;
  auto worker = [&] {
    try {
      HttpSession session;
      for (size_t i = next++; i < count; i = next++) work(session, i);
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!error) error = std::current_exception();
      next = count;
    }
  };
  size_t threads_wanted = std::min(count, static_cast<size_t>(jobs));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < threads_wanted; ++t) threads.emplace_back(worker);
  for (std::thread& thread : threads) thread.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

size_t FetchSummary::Count(ShardStatus status) const {
  return static_cast<size_t>(std::count_if(
      shards.begin(), shards.end(), [&](const ShardOutcome& s) { return s.status == status; }));
}

uint64_t FetchSummary::BytesReceived() const {
  uint64_t bytes = 0;
  for (const ShardOutcome& shard : shards) bytes += shard.bytes_received;
  return bytes;
}

std::vector<RemoteShard> FetchChecksums(HttpSession& session, const std::string& base_url,
                                        const RetryPolicy& retry) {
  const std::string url = base_url + "/SHA256SUM";
  std::string text;
  HttpResult result =
      WithRetries(retry, [&] { return session.GetText(url, kMaxChecksumBytes, text); });
  if (!result.Succeeded()) {
    throw IoError(fmt::format("cannot read {}: {}", url, result.Describe()));
  }
  try {
    return ParseSha256Sums(text);
  } catch (const DataError& e) {
    throw DataError(fmt::format("{}: {}", url, e.what()));
  }
}

std::vector<RemoteShard> SelectShards(const std::vector<RemoteShard>& listed,
                                      const std::vector<Table>& tables, const ShardRange& range) {
  const std::vector<Table> wanted = AllTablesIfEmpty(tables);
  std::vector<RemoteShard> selected;
  for (Table table : wanted) {
    uint32_t listed_count = 0;
    size_t before = selected.size();
    for (const RemoteShard& shard : listed) {
      if (shard.table != table) continue;
      listed_count = shard.count;
      if (InRange(shard, range)) selected.push_back(shard);
    }
    if (listed_count == 0) {
      throw DataError(fmt::format("SHA256SUM lists no shard of {}", TableName(table)));
    }
    if (selected.size() == before) {
      throw UsageError(fmt::format("--shards {}-{} selects no shard of {} (it has {})", range.first,
                                   range.last, TableName(table), listed_count));
    }
  }
  // SHA256SUM order (kAllTables, index) whatever order --tables named them in.
  std::stable_sort(
      selected.begin(), selected.end(), [](const RemoteShard& a, const RemoteShard& b) {
        auto rank = [](Table t) { return std::find(kAllTables.begin(), kAllTables.end(), t); };
        return std::make_pair(rank(a.table), a.index) < std::make_pair(rank(b.table), b.index);
      });
  return selected;
}

FetchSummary FetchTrace(const FetchOptions& options, FetchCounters* counters_or_null) {
  const auto start = std::chrono::steady_clock::now();
  CheckCommonOptions(options.base_url, options.jobs, options.retry);
  if (options.dest_dir.empty()) throw UsageError("fetch needs --dest DIR");
  const std::string base_url = TrimSlashes(options.base_url);
  FetchCounters own_counters;
  FetchCounters& counters = counters_or_null != nullptr ? *counters_or_null : own_counters;

  std::vector<RemoteShard> selected;
  {
    HttpSession session;
    selected = SelectShards(FetchChecksums(session, base_url, options.retry), options.tables,
                            options.shards);
  }
  for (Table table : AllTablesIfEmpty(options.tables)) {
    fs::path folder = fs::path(options.dest_dir) / std::string(TableName(table));
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) throw IoError(fmt::format("{}: cannot create: {}", folder.string(), ec.message()));
  }
  counters.files_total = selected.size();

  // When the network is gone every file would spend all its retries in turn;
  // after this many network failures in a row the rest are not tried.
  const int stop_after = std::max(4, 2 * options.jobs);
  std::atomic<int> network_failures_in_a_row{0};
  FetchSummary summary;
  summary.shards.resize(selected.size());
  ParallelFor(selected.size(), options.jobs, [&](HttpSession& session, size_t i) {
    ShardOutcome& outcome = summary.shards[i];
    if (network_failures_in_a_row >= stop_after) {
      outcome.shard = selected[i];
      outcome.error =
          fmt::format("not tried: {} files in a row failed on network errors", stop_after);
      outcome.network = true;
    } else {
      ShardTarget target{selected[i], base_url + "/" + selected[i].RelativePath(),
                         fs::path(options.dest_dir) / selected[i].RelativePath()};
      outcome = FetchShard(session, target, options.retry, counters);
      if (outcome.status == ShardStatus::kFailed && outcome.network) {
        ++network_failures_in_a_row;
      } else if (outcome.status == ShardStatus::kDownloaded) {
        network_failures_in_a_row = 0;
      }
    }
    ++counters.files_done;
  });
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

std::vector<TableListing> ListTrace(const ListOptions& options) {
  CheckCommonOptions(options.base_url, options.jobs, options.retry);
  const std::string base_url = TrimSlashes(options.base_url);
  std::vector<RemoteShard> listed;
  {
    HttpSession session;
    listed = FetchChecksums(session, base_url, options.retry);
  }
  std::vector<TableListing> listings;
  std::vector<const RemoteShard*> to_size;
  for (Table table : AllTablesIfEmpty(options.tables)) {
    TableListing& listing = listings.emplace_back();
    listing.table = table;
    for (const RemoteShard& shard : listed) {
      if (shard.table != table) continue;
      listing.declared_count = shard.count;
      if (!InRange(shard, options.shards)) continue;
      ++listing.selected;
      to_size.push_back(&shard);
    }
  }
  if (!options.sizes) return listings;

  std::vector<HttpResult> heads(to_size.size());
  ParallelFor(to_size.size(), options.jobs, [&](HttpSession& session, size_t i) {
    std::string url = base_url + "/" + to_size[i]->RelativePath();
    heads[i] = WithRetries(options.retry, [&] { return session.Head(url); });
  });
  for (size_t i = 0; i < to_size.size(); ++i) {
    auto listing = std::find_if(listings.begin(), listings.end(), [&](const TableListing& l) {
      return l.table == to_size[i]->table;
    });
    const HttpResult& head = heads[i];
    if (head.Succeeded() && head.content_length >= 0) {
      listing->bytes += static_cast<uint64_t>(head.content_length);
    } else {
      std::string why = head.Succeeded() ? "no Content-Length"
                        : head.curl_code == 0 && head.status == 404
                            ? "missing on the server (HTTP 404)"
                            : head.Describe();
      listing->size_errors.push_back(fmt::format("{}: {}", to_size[i]->RelativePath(), why));
    }
  }
  return listings;
}

}  // namespace borgscope
