#include "engine/key_exchange.h"

#include <fmt/core.h>

#include <string>
#include <vector>

#include "errors.h"

namespace borgscope {

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

void ExchangeByKey(const Analysis& analysis, std::unique_ptr<AnalysisState>& state,
                   Cluster& cluster) {
  const int own = cluster.rank();
  std::vector<std::string> to_each;
  {
    std::vector<WireWriter> parts(cluster.size());
    state->SerializePartitions(parts);
    for (WireWriter& part : parts) to_each.push_back(part.Take());
  }
  to_each[own].clear();  // its own keys stay where they are
  state->KeepPartition(own, cluster.size());
  std::vector<std::string> from_each = cluster.AllToAll(std::move(to_each));
  for (int rank = 0; rank < cluster.size(); ++rank) {
    if (rank == own) continue;
    state->Absorb(std::move(*ReadPartialState(analysis, nullptr, from_each[rank], rank)));
    from_each[rank].clear();
    from_each[rank].shrink_to_fit();
  }
}

}  // namespace borgscope
