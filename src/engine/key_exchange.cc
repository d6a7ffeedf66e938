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

std::unique_ptr<AnalysisState> ReadPartialState(const Analysis& analysis,
                                                const AnalysisState* merged, std::string_view bytes,
                                                int from_rank) {
  std::unique_ptr<AnalysisState> state = analysis.NewState(merged);
  WireReader in(bytes);
  state->Deserialize(in);
  if (!in.AtEnd()) {
    throw InternalError(fmt::format("{}: rank {}'s partial state has bytes left over",
                                    analysis.Info().id, from_rank));
  }
  return state;
}

void ExchangeByKey(std::span<KeyedState> states, Cluster& cluster) {
  const int own = cluster.rank(), ranks = cluster.size();
  // parts[s][r]: the entries of state s that rank r owns.
  std::vector<std::vector<std::string>> parts(states.size());
  tbb::parallel_for(size_t{0}, states.size(), [&](size_t s) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<WireWriter> writers(ranks);
    (*states[s].state)->SerializePartitions(writers);
    (*states[s].state)->KeepPartition(own, ranks);  // its own keys stay where they are
    for (int r = 0; r < ranks; ++r) {
      parts[s].push_back(r == own ? std::string() : writers[r].Take());
    }
    states[s].seconds += SecondsSince(start);
  });
  std::vector<std::string> to_each(ranks);
  for (int r = 0; r < ranks; ++r) {
    if (r == own) continue;
    WireWriter message;
    for (auto& state_parts : parts) {
      message.PutBytes(state_parts[r]);
      std::string().swap(state_parts[r]);
    }
    to_each[r] = message.Take();
  }
  const std::vector<std::string> from_each = cluster.AllToAll(std::move(to_each));
  // received[s][r]: state s's entries from rank r (views into from_each).
  std::vector<std::vector<std::string_view>> received(states.size(),
                                                      std::vector<std::string_view>(ranks));
  for (int r = 0; r < ranks; ++r) {
    if (r == own) continue;
    WireReader in(from_each[r]);
    for (size_t s = 0; s < states.size(); ++s) received[s][r] = in.GetBytes();
  }
  tbb::parallel_for(size_t{0}, states.size(), [&](size_t s) {
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < ranks; ++r) {
      if (r == own) continue;
      (*states[s].state)
          ->Absorb(std::move(*ReadPartialState(*states[s].analysis, nullptr, received[s][r], r)));
    }
    states[s].seconds += SecondsSince(start);
  });
}

}  // namespace borgscope
