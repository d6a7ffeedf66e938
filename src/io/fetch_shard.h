#pragma once
// One shard of `borgscope fetch`: skipped when a verified copy is in place,
// otherwise downloaded to "<name>.part" (resuming what an earlier attempt
// left), verified against SHA256SUM and renamed to its final name.

#include <filesystem>
#include <string>

#include "io/fetch.h"

namespace borgscope {

struct ShardTarget {
  RemoteShard shard;
  std::string url;
  std::filesystem::path final_path;  // <dest>/<table>/part-NNNNN-of-MMMMM.csv.gz
};

// Never throws for the file's own problems (HTTP errors, digest mismatch, a
// failed write): they are the outcome's error.
ShardOutcome FetchShard(HttpSession& session, const ShardTarget& target, const RetryPolicy& retry,
                        FetchCounters& counters);

// "<name>.part": where the download grows until it is verified.
std::filesystem::path PartPath(const std::filesystem::path& final_path);
// ".<name>.sha256": digest, size and mtime of the verified file.
std::filesystem::path SidecarPath(const std::filesystem::path& final_path);

}  // namespace borgscope
