#include "io/fetch_checksums.h"

#include <fmt/core.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <tuple>

#include "errors.h"
#include "io/shards.h"

namespace borgscope {

namespace {

constexpr size_t kHexDigits = 64;

bool IsHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits "<hex>  <path>" / "<hex> *<path>" into its two parts; false when the
// line is not in that shape.
bool SplitLine(std::string_view line, std::string_view& hex, std::string_view& path) {
  if (line.size() < kHexDigits + 2 || line[kHexDigits] != ' ') return false;
  hex = line.substr(0, kHexDigits);
  char mode = line[kHexDigits + 1];  // ' ' text, '*' binary
  if (!IsHex(hex) || (mode != ' ' && mode != '*')) return false;
  path = line.substr(kHexDigits + 2);
  return !path.empty();
}

}  // namespace

std::string RemoteShard::RelativePath() const {
  return fmt::format("{}/{}", TableName(table), ShardFileName(index, count));
}

std::vector<RemoteShard> ParseSha256Sums(std::string_view text) {
  // Only the last two components matter: whatever the lines carry before
  // "<table>/<shard>" (or do not carry) depends on where sha256sum was run.
  std::map<std::tuple<int, uint32_t>, RemoteShard> shards;
  std::map<Table, uint32_t> counts;
  size_t line_number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    std::string_view hex, path;
    if (!SplitLine(line, hex, path)) {
      throw DataError(fmt::format("SHA256SUM line {}: expected '<64 hex digits>  <path>', got '{}'",
                                  line_number, line.substr(0, 120)));
    }
    // ".../<table>/part-NNNNN-of-MMMMM.csv.gz"; other files (README, schema) are skipped.
    const size_t name_start = path.rfind('/');
    if (name_start == std::string_view::npos || name_start == 0) continue;
    const size_t table_start = path.rfind('/', name_start - 1);
    const std::string_view table_name =
        path.substr(table_start == std::string_view::npos ? 0 : table_start + 1,
                    name_start - (table_start == std::string_view::npos ? 0 : table_start + 1));
    RemoteShard shard;
    if (!ParseShardFileName(path.substr(name_start + 1), shard.index, shard.count)) continue;
    std::optional<Table> table = TableFromName(std::string(table_name));
    if (!table) continue;
    shard.table = *table;
    shard.sha256 = Lowercase(hex);
    auto [count, inserted_count] = counts.emplace(shard.table, shard.count);
    if (count->second != shard.count) {
      throw DataError(fmt::format("SHA256SUM line {}: {} has {} shards here and {} before",
                                  line_number, TableName(shard.table), shard.count, count->second));
    }
    auto key = std::make_tuple(static_cast<int>(shard.table), shard.index);
    auto [existing, inserted] = shards.emplace(key, shard);
    if (!inserted && existing->second.sha256 != shard.sha256) {
      throw DataError(fmt::format("SHA256SUM line {}: {} is listed twice with different digests",
                                  line_number, shard.RelativePath()));
    }
  }
  // kAllTables order, which is not the enum order of Table in general.
  std::vector<RemoteShard> result;
  for (Table table : kAllTables) {
    for (const auto& [key, shard] : shards) {
      if (shard.table == table) result.push_back(shard);
    }
  }
  return result;
}

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (context_ == nullptr || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1) {
    throw InternalError("OpenSSL: cannot start a SHA-256 digest");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(context_); }

void Sha256::Update(std::string_view bytes) {
  if (EVP_DigestUpdate(context_, bytes.data(), bytes.size()) != 1) {
    throw InternalError("OpenSSL: SHA-256 update failed");
  }
}

std::string Sha256::FinishHex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_, digest.data(), &length) != 1 ||
      EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1) {
    throw InternalError("OpenSSL: SHA-256 final failed");
  }
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

void HashFile(const std::string& path, Sha256& hasher, uint64_t limit) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) throw IoError(fmt::format("{}: cannot open for reading", path));
  std::vector<char> buffer(256 * 1024);  // reused: a shard is hashed in small pieces
  uint64_t remaining = limit;
  while (remaining > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), remaining));
    size_t got = std::fread(buffer.data(), 1, want, file.get());
    hasher.Update(std::string_view(buffer.data(), got));
    remaining -= got;
    if (got < want) break;
  }
  if (std::ferror(file.get()) != 0) throw IoError(fmt::format("{}: read failed", path));
  if (limit != UINT64_MAX && remaining != 0) {
    throw IoError(fmt::format("{}: shorter than {} bytes", path, limit));
  }
}

std::string Sha256OfFile(const std::string& path) {
  Sha256 hasher;
  HashFile(path, hasher);
  return hasher.FinishHex();
}

}  // namespace borgscope
