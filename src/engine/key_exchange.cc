#include "engine/key_exchange.h"

#include <fmt/core.h>
#include <tbb/parallel_for.h>

#include <chrono>
#include <string>

#include "errors.h"

namespace borgscope {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

void MergeSerialized(const Analysis& analysis, AnalysisState& into, std::string_view bytes,
                     int from_rank) {
  WireReader in(bytes);
  into.Deserialize(in);
  if (!in.AtEnd()) {
    throw InternalError(fmt::format("{}: rank {}'s partial state has bytes left over",
                                    analysis.Info().id, from_rank));
  }
}

ExchangeSeconds ExchangeByKey(std::span<KeyedState> states, Cluster& cluster) {
  const int own = cluster.rank(), ranks = cluster.size();
  ExchangeSeconds seconds;
  auto step_start = std::chrono::steady_clock::now();
  // parts[s][r]: the entries of state s that rank r owns.
  std::vector<std::vector<std::string>> parts(states.size());
  tbb::parallel_for(size_t{0}, states.size(), [&](size_t s) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<WireWriter> writers(ranks);
    writers[own].SkipEntries();
    (*states[s].state)->SerializePartitions(writers);
    (*states[s].state)->KeepPartition(own, ranks);  // its own keys stay where they are
    for (int r = 0; r < ranks; ++r) {
      parts[s].push_back(r == own ? std::string() : writers[r].Take());
    }
    states[s].seconds += SecondsSince(start);
  });
  seconds.split = SecondsSince(step_start);
  step_start = std::chrono::steady_clock::now();
  // One piece per state for every rank (its own: empty, unsent).
  std::vector<Cluster::Pieces> to_each(ranks);
  for (int r = 0; r < ranks; ++r) {
    for (auto& state_parts : parts) to_each[r].push_back(std::move(state_parts[r]));
  }
  const std::vector<Cluster::Pieces> from_each = cluster.AllToAllPieces(std::move(to_each));
  seconds.transfer = SecondsSince(step_start);
  step_start = std::chrono::steady_clock::now();
  tbb::parallel_for(size_t{0}, states.size(), [&](size_t s) {
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < ranks; ++r) {
      if (r == own) continue;
      MergeSerialized(*states[s].analysis, **states[s].state, from_each[r][s], r);
    }
    states[s].seconds += SecondsSince(start);
  });
  seconds.absorb = SecondsSince(step_start);
  return seconds;
}

}  // namespace borgscope
