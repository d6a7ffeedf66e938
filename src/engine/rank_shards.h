#pragma once
// Which shards each MPI rank scans: balanced by compressed bytes.

#include <vector>

#include "io/shards.h"

namespace borgscope {

// Splits `table`'s shards over `ranks` ranks: largest first, each to the rank
// with the fewest bytes so far (ties: the lowest rank). Deterministic, so every
// rank computes the same split without talking. Each rank's shards stay in
// index order; a rank may get none (fewer shards than ranks).
std::vector<TableShards> AssignShardsToRanks(const TableShards& table, int ranks);

}  // namespace borgscope
