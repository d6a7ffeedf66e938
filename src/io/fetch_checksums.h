#pragma once
// What the bucket promises: its SHA256SUM file, parsed into the shards it
// lists, and SHA-256 itself (OpenSSL's EVP API; no hand-written crypto).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trace/schema.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace borgscope {

// One shard the bucket lists, with the digest its bytes must have.
struct RemoteShard {
  Table table = Table::kMachineEvents;
  uint32_t index = 0;  // NNNNN
  uint32_t count = 0;  // MMMMM
  std::string sha256;  // 64 lowercase hex digits

  // "task_events/part-00007-of-00500.csv.gz": the path under the bucket root
  // and under the destination folder alike.
  std::string RelativePath() const;
};

// Parses a SHA256SUM in sha256sum format: "<64 hex>  <path>", or with the
// binary marker "<64 hex> *<path>". A line counts when its path ends in
// "<table>/part-NNNNN-of-MMMMM.csv.gz" for one of the six tables, whatever
// leading parts it has ("./", "clusterdata-2011-2/") or lacks; other files
// (schema.csv, README) and blank lines are ignored. Returns the shards sorted
// by table (kAllTables order) and index. Throws DataError naming the line for
// a line that is not in this format, a table whose shards disagree on MMMMM,
// or one shard listed twice with different digests.
std::vector<RemoteShard> ParseSha256Sums(std::string_view text);

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  // The digest of everything given so far, as 64 lowercase hex digits; the
  // hasher starts over afterwards.
  std::string FinishHex();

 private:
  evp_md_ctx_st* context_;
};

// Feeds the first `limit` bytes of the file at `path` (all of it by default)
// to `hasher`. Throws IoError when the file cannot be read or is shorter.
void HashFile(const std::string& path, Sha256& hasher, uint64_t limit = UINT64_MAX);
std::string Sha256OfFile(const std::string& path);

}  // namespace borgscope
