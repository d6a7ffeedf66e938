#pragma once
// `borgscope fetch`: the real clusterdata-2011-2 trace from its public bucket
// into the layout `analyze` reads (<dest>/<table>/part-NNNNN-of-MMMMM.csv.gz),
// every file checked against the bucket's SHA256SUM, resumable.
//
// A shard is downloaded to "<name>.part" and renamed only once its SHA-256
// matches; an interrupted download resumes with a Range request from the
// .part's size. A verified file gets a sidecar ".<name>.sha256" (digest, size,
// mtime) so that the next run skips it without hashing it again.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/fetch_checksums.h"
#include "io/fetch_http.h"
#include "io/shards.h"
#include "trace/schema.h"

namespace borgscope {

inline constexpr char kDefaultBucketUrl[] = "https://storage.googleapis.com/clusterdata-2011-2";

// Live progress of a fetch, for a display thread to read.
struct FetchCounters {
  std::atomic<size_t> files_total{0};  // known once SHA256SUM is read
  std::atomic<size_t> files_done{0};   // downloaded, already there, or failed
  std::atomic<size_t> files_downloaded{0};
  std::atomic<uint64_t> bytes_received{0};  // body bytes, all attempts
  std::atomic<uint64_t> bytes_of_downloaded_files{0};
};

struct FetchOptions {
  std::string dest_dir;
  std::string base_url = kDefaultBucketUrl;
  std::vector<Table> tables;  // empty: all six
  ShardRange shards;          // of the sharded tables; one-shard tables come whole
  int jobs = 4;               // files in flight
  RetryPolicy retry;
};

enum class ShardStatus { kDownloaded, kAlreadyVerified, kFailed };

struct ShardOutcome {
  RemoteShard shard;
  ShardStatus status = ShardStatus::kFailed;
  uint64_t bytes_received = 0;
  std::string error;     // why it failed: "missing on the server (HTTP 404)"
  std::string note;      // worth telling even on success: "local copy did not match"
  bool network = false;  // failed for lack of a working network, after retries
};

struct FetchSummary {
  std::vector<ShardOutcome> shards;  // in SHA256SUM order (table, index)
  double seconds = 0;

  size_t Count(ShardStatus status) const;
  uint64_t BytesReceived() const;
  bool AllArrived() const { return Count(ShardStatus::kFailed) == 0; }
};

// Downloads and verifies the selected shards. Per-file problems (404, digest
// mismatch, retries spent) are outcomes in the summary; a SHA256SUM that
// cannot be read or parsed is an IoError / DataError, bad options a UsageError.
FetchSummary FetchTrace(const FetchOptions& options, FetchCounters* counters = nullptr);

// The base URL's SHA256SUM, fetched with retries and parsed.
std::vector<RemoteShard> FetchChecksums(HttpSession& session, const std::string& base_url,
                                        const RetryPolicy& retry);

// The listed shards of `tables` (all six when empty) within `range`, in
// SHA256SUM order; a one-shard table is always selected whole. UsageError when
// a range selects no shard of a table that has some.
std::vector<RemoteShard> SelectShards(const std::vector<RemoteShard>& listed,
                                      const std::vector<Table>& tables, const ShardRange& range);

struct ListOptions {
  std::string base_url = kDefaultBucketUrl;
  std::vector<Table> tables;
  ShardRange shards;
  bool sizes = false;  // HEAD every selected file for its size (one request per file)
  int jobs = 4;
  RetryPolicy retry;
};

struct TableListing {
  Table table = Table::kMachineEvents;
  uint32_t declared_count = 0;           // MMMMM; 0 when SHA256SUM lists no shard of the table
  uint32_t selected = 0;                 // shards within the range
  uint64_t bytes = 0;                    // sum of the known Content-Lengths (with sizes)
  std::vector<std::string> size_errors;  // "<path>: <why>" per file without a size
};

// What the bucket holds per table, from its SHA256SUM (and HEAD requests).
std::vector<TableListing> ListTrace(const ListOptions& options);

}  // namespace borgscope
