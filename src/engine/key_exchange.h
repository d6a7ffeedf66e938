#pragma once
// Moving a keyed state (KeyedAnalysis) to the ranks that own its keys: every
// rank sends each rank the entries of that rank's key partition (AllToAll),
// keeps its own entries in place and absorbs what it receives. Collective.

#include <memory>
#include <string_view>

#include "engine/analysis.h"
#include "engine/cluster.h"

namespace borgscope {

// `state` (this rank's partial state of `analysis`) becomes the state merged
// over every rank for this rank's partition of the keys.
void ExchangeByKey(const Analysis& analysis, std::unique_ptr<AnalysisState>& state,
                   Cluster& cluster);

// A partial state read back from Serialize's bytes (sent by `from_rank`).
std::unique_ptr<AnalysisState> ReadPartialState(const Analysis& analysis,
                                                const AnalysisState* merged, std::string_view bytes,
                                                int from_rank);

}  // namespace borgscope
