#pragma once
// Each machine's ADD and REMOVE events (machine_events), for the analyses that
// follow machines going offline and back (q2, q9), and the largest timestamp
// of the table. Its parts are engine parts (a keyed set of the rows, split by
// machine, and a maximum), so the engine merges, splits and spills it.

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <tuple>
#include <vector>

#include "engine/keyed_parts.h"
#include "engine/state_parts.h"
#include "trace/row_batch.h"
#include "trace/trace_order.h"

namespace borgscope {

struct UpDownEvent {
  TraceOrder order;
  bool add = false;  // ADD, else REMOVE
};

// Machine id -> its ADD/REMOVE events in trace order.
using UpDownByMachine = absl::flat_hash_map<int64_t, std::vector<UpDownEvent>>;

// One ADD or REMOVE row. `add` is a full word so that the entry has no padding.
struct UpDownRow {
  int64_t machine_id = 0;
  TraceOrder order;
  int64_t add = 0;  // 1: ADD, 0: REMOVE
  friend bool operator==(const UpDownRow&, const UpDownRow&) = default;
  template <typename H>
  friend H AbslHashValue(H state, const UpDownRow& row) {
    return H::combine(std::move(state), row.machine_id, row.order.time, row.order.position,
                      row.add);
  }
};

inline int64_t MachineOfRow(const UpDownRow& row) { return row.machine_id; }

class MachineUpDown : public PartsOf<MachineUpDown> {
 public:
  static ColumnMask Columns();

  void Consume(const RowBatch& machine_events);
  static auto Parts(auto& self) { return std::tie(self.rows_, self.trace_end_); }

  // Every machine's events, sorted (built on each call: for the finish).
  UpDownByMachine ByMachine() const;
  // Largest timestamp of machine_events (2^63-1 excluded). A value of no
  // key: in partition 0 only.
  int64_t trace_end() const { return trace_end_.value; }

 private:
  KeyedSet<UpDownRow, &MachineOfRow> rows_;  // rows are distinct: each has its own order
  MaxOf<int64_t> trace_end_;
};

}  // namespace borgscope
