#pragma once
// A keyed part (engine/state_parts.h) for a list of entries that is read once,
// in one order, at the end — q9's task events, by task and trace order. The
// entries are kept in runs, each sorted and delta-encoded against the entry
// before it (a few bytes an entry instead of its full width), and read by
// merging the runs k-way (no sort over all of them at once).
//
// Entries are added to a pending batch in any order; Seal sorts the batch and
// encodes it as one run. A scan thread's batch is one shard's entries, sealed
// when its state joins the merged one (Absorb). Merge, the split into key
// partitions (decoded, split and encoded again), spill files and the MPI
// exchange move runs as bytes.
//
// Codec:
//   static bool Less(const Entry&, const Entry&);   the order runs are read in
//   static int64_t IdOf(const Entry&);              the id PartitionOf splits by
//   static void Put(std::string& out, const Entry& previous, const Entry& entry);
//   static Entry Get(const char*& at, const char* end, const Entry& previous);
//   static constexpr bool kDistinct = true;  // optional: a run keeps equal
//                                            // entries once (runs may share some)
// The first entry of a run is written against a value-initialized Entry.

#include <algorithm>
#include <cstdint>
#include <queue>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/key_partition.h"
#include "engine/wire.h"

namespace borgscope {

template <typename Entry, typename Codec>
class DeltaRuns {
 public:
  Entry& Add() { return pending_.emplace_back(); }

  // The pending entries, sorted, become a run.
  void Seal() {
    if (pending_.empty()) return;
    AddRun(Encoded(Sorted(std::move(pending_))));
    pending_ = {};
  }

  void Merge(const DeltaRuns& other) {
    for (const Run& run : other.runs_) AddRun(run);
    if (!other.pending_.empty()) AddRun(Encoded(Sorted(other.pending_)));
  }
  void Absorb(DeltaRuns&& other) {
    other.Seal();
    if (runs_.empty()) {
      runs_ = std::move(other.runs_);
    } else {
      for (Run& run : other.runs_) AddRun(std::move(run));
    }
    other.runs_.clear();
  }

  // Into each part: its runs, count-prefixed; none into a part that skips
  // entries. With one part the runs are copied as they are.
  void SerializePartitions(std::span<WireWriter> parts) const {
    std::vector<std::vector<Run>> split(parts.size());
    auto split_run = [&](const Run& run) {
      if (parts.size() == 1) {
        if (!parts[0].skips_entries()) split[0].push_back(run);
        return;
      }
      std::vector<Run> pieces = Split(run, parts.size());
      for (size_t p = 0; p < parts.size(); ++p) {
        if (pieces[p].count > 0 && !parts[p].skips_entries())
          split[p].push_back(std::move(pieces[p]));
      }
    };
    for (const Run& run : runs_) split_run(run);
    if (!pending_.empty()) split_run(Encoded(Sorted(pending_)));
    for (size_t p = 0; p < parts.size(); ++p) {
      parts[p].template Put<uint64_t>(split[p].size());
      for (const Run& run : split[p]) {
        parts[p].template Put<uint64_t>(run.count);
        parts[p].PutBytes(run.bytes);
      }
    }
  }
  void KeepPartition(size_t part, size_t parts) {
    Seal();
    std::vector<Run> kept;
    for (const Run& run : runs_) {
      std::vector<Run> pieces = Split(run, parts);
      if (pieces[part].count > 0) kept.push_back(std::move(pieces[part]));
    }
    runs_ = std::move(kept);
  }
  void Deserialize(WireReader& in) {
    for (uint64_t n = in.GetCount(2 * sizeof(uint64_t)); n > 0; --n) {
      Run run;
      run.count = in.Get<uint64_t>();
      run.bytes = std::string(in.GetBytes());
      AddRun(std::move(run));
    }
  }

  // fn(entry) for every entry, in Codec::Less order: the runs merged k-way.
  template <typename Fn>
  void ForEachInOrder(Fn fn) const {
    std::vector<Run> extra;
    if (!pending_.empty()) extra.push_back(Encoded(Sorted(pending_)));
    std::vector<Cursor> cursors;
    for (const Run& run : runs_) cursors.emplace_back(run);
    for (const Run& run : extra) cursors.emplace_back(run);
    auto after = [&](size_t a, size_t b) {
      return Codec::Less(cursors[b].entry, cursors[a].entry);
    };
    std::priority_queue<size_t, std::vector<size_t>, decltype(after)> heap(after);
    for (size_t i = 0; i < cursors.size(); ++i) heap.push(i);
    while (!heap.empty()) {
      const size_t i = heap.top();
      heap.pop();
      fn(std::as_const(cursors[i].entry));
      if (cursors[i].Next()) heap.push(i);
    }
  }
  // fn(entry) for every entry, in no particular order.
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const Run& run : runs_) {
      for (Cursor cursor(run);;) {
        fn(std::as_const(cursor.entry));
        if (!cursor.Next()) break;
      }
    }
    for (const Entry& entry : pending_) fn(entry);
  }

  uint64_t size() const {
    uint64_t n = pending_.size();
    for (const Run& run : runs_) n += run.count;
    return n;
  }
  size_t run_count() const { return runs_.size(); }
  // Bytes the runs take (encoded), for measurements and tests.
  uint64_t encoded_bytes() const {
    uint64_t bytes = 0;
    for (const Run& run : runs_) bytes += run.bytes.size();
    return bytes;
  }

 private:
  struct Run {
    uint64_t count = 0;
    std::string bytes;
  };
  // Reads a non-empty run an entry at a time.
  struct Cursor {
    explicit Cursor(const Run& run)
        : at(run.bytes.data()),
          end(run.bytes.data() + run.bytes.size()),
          entry(Codec::Get(at, end, Entry{})),
          left(run.count - 1) {}
    bool Next() {
      if (left == 0) return false;
      --left;
      entry = Codec::Get(at, end, entry);
      return true;
    }
    const char* at;
    const char* end;
    Entry entry;
    uint64_t left;
  };

  void AddRun(Run run) {
    if (run.count > 0) runs_.push_back(std::move(run));
  }
  static std::vector<Entry> Sorted(std::vector<Entry> entries) {
    std::sort(entries.begin(), entries.end(), Codec::Less);
    if constexpr (requires { Codec::kDistinct; }) {
      if (Codec::kDistinct) {
        auto equal = [](const Entry& a, const Entry& b) {
          return !Codec::Less(a, b) && !Codec::Less(b, a);
        };
        entries.erase(std::unique(entries.begin(), entries.end(), equal), entries.end());
      }
    }
    return entries;
  }
  static Run Encoded(const std::vector<Entry>& sorted) {
    Run run;
    Entry previous{};
    for (const Entry& entry : sorted) {
      Codec::Put(run.bytes, previous, entry);
      previous = entry;
    }
    run.count = sorted.size();
    run.bytes.shrink_to_fit();
    return run;
  }
  // The run's entries by PartitionOf(IdOf): a run (still sorted) per part.
  static std::vector<Run> Split(const Run& run, size_t parts) {
    std::vector<Run> pieces(parts);
    std::vector<Entry> previous(parts, Entry{});
    for (Cursor cursor(run);;) {
      const size_t p = PartitionOf(Codec::IdOf(cursor.entry), parts);
      Codec::Put(pieces[p].bytes, previous[p], cursor.entry);
      previous[p] = cursor.entry;
      ++pieces[p].count;
      if (!cursor.Next()) break;
    }
    for (Run& piece : pieces) piece.bytes.shrink_to_fit();
    return pieces;
  }

  std::vector<Run> runs_;  // each non-empty
  std::vector<Entry> pending_;
};

}  // namespace borgscope
