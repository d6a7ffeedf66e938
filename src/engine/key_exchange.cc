#include "engine/key_exchange.h"

#include <fmt/core.h>
#include <tbb/parallel_for.h>

#include <chrono>
#include <string>

#include "engine/process_usage.h"
#include "errors.h"

namespace borgscope {

void MergeSerialized(const Analysis& analysis, AnalysisState& into, std::string_view bytes,
                     int from_rank) {
  WireReader in(bytes);
  into.Deserialize(in);
  if (!in.AtEnd()) {
    throw InternalError(fmt::format("{}: rank {}'s partial state has bytes left over",
                                    analysis.Info().id, from_rank));
  }
}

KeyedSplit SplitByKey(std::span<KeyedState> states, const Cluster& cluster) {
  const int own = cluster.rank(), ranks = cluster.size();
  const auto step_start = std::chrono::steady_clock::now();
  KeyedSplit split;
  split.parts.resize(states.size());
  tbb::parallel_for(size_t{0}, states.size(), [&](size_t s) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<WireWriter> writers(ranks);
    writers[own].SkipEntries();
    (*states[s].state)->SerializePartitions(writers);
    (*states[s].state)->KeepPartition(own, ranks);  // its own keys stay where they are
    for (int r = 0; r < ranks; ++r) {
      split.parts[s].push_back(r == own ? std::string() : writers[r].Take());
    }
    states[s].seconds += SecondsSince(start);
  });
  split.seconds = SecondsSince(step_start);
  return split;
}

ExchangeSeconds SendSplit(std::span<KeyedState> states, KeyedSplit split, Cluster& cluster) {
  const int own = cluster.rank(), ranks = cluster.size();
  ExchangeSeconds seconds;
  seconds.split = split.seconds;
  // In rounds: in round k every rank sends to rank own + k and receives from
  // rank own - k (mod ranks), then absorbs what it received. Each round's
  // buffers are freed before the next one receives, so that round reuses
  // their memory: a rank holds one peer's entries at a time instead of all
  // of them, and fresh memory (zeroed by the kernel page by page) is what
  // the transfer would otherwise cost most.
  for (int round = 1; round < ranks; ++round) {
    const int to = (own + round) % ranks, from = (own - round + ranks) % ranks;
    auto step_start = std::chrono::steady_clock::now();
    std::vector<Cluster::Pieces> to_each(ranks, Cluster::Pieces(states.size()));
    for (size_t s = 0; s < states.size(); ++s) to_each[to][s] = std::move(split.parts[s][to]);
    const std::vector<Cluster::Pieces> from_each = cluster.AllToAllPieces(std::move(to_each));
    seconds.transfer += SecondsSince(step_start);
    step_start = std::chrono::steady_clock::now();
    tbb::parallel_for(size_t{0}, states.size(), [&](size_t s) {
      const auto start = std::chrono::steady_clock::now();
      MergeSerialized(*states[s].analysis, **states[s].state, from_each[from][s], from);
      states[s].seconds += SecondsSince(start);
    });
    seconds.absorb += SecondsSince(step_start);
  }
  return seconds;
}

ExchangeSeconds ExchangeByKey(std::span<KeyedState> states, Cluster& cluster) {
  return SendSplit(states, SplitByKey(states, cluster), cluster);
}

}  // namespace borgscope
