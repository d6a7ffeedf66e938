#pragma once
// Absorbing a partial state that is no longer needed: the larger container
// keeps its storage and only the smaller one's entries are combined into it,
// so merging a thread's state costs the smaller of the two sizes. `combine`
// (mine, theirs) must be commutative, as every merge in borgscope is.

#include <cstddef>
#include <utility>

namespace borgscope {

template <typename Map, typename Combine>
void AbsorbMap(Map& into, Map&& from, Combine combine) {
  if (from.size() > into.size()) std::swap(into, from);
  for (auto& [key, value] : from) {
    // try_emplace leaves `value` untouched when the key is present.
    auto [it, inserted] = into.try_emplace(key, std::move(value));
    if (!inserted) combine(it->second, value);
  }
  from.clear();
}

// Room for `more` entries about to be merged in (Deserialize). absl's
// reserve reallocates whenever size + more exceeds the free slots, even when
// the table's tombstones (a rank's state after KeepPartition) would be reused
// in place by the inserts; a reallocation is fresh memory the kernel zeroes
// (a third of a rank's exchange time at 2 ranks, measured with perf).
template <typename Map>
void ReserveForMore(Map& map, size_t more) {
  // absl tables fill at most 7/8 of their capacity.
  if (map.size() + more > map.capacity() - map.capacity() / 8) map.reserve(map.size() + more);
}

}  // namespace borgscope
