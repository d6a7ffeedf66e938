#pragma once
// The machine-window loads (MachineWindowUsage) as an input analysis
// (Analysis::IsInput): q8 and q9 both read them, so the scan consumes, merges
// and exchanges them once, and each finishes from the same state. Keyed by
// machine, as q8's and q9's own states are.

#include <string_view>
#include <tuple>

#include "engine/analysis.h"
#include "engine/state_parts.h"
#include "states/machine_window_usage.h"

namespace borgscope {

inline constexpr std::string_view kMachineWindowsInput = "machine_windows";

class MachineWindowsState : public StateOf<MachineWindowsState> {
 public:
  void Consume(const RowBatch& task_usage) override;
  static auto Parts(auto& self) { return std::tie(self.usage_, self.saw_rows_); }

  const MachineWindowUsage& usage() const { return usage_; }
  // The trace has task_usage rows. A value of no key: in partition 0 only.
  bool saw_rows() const { return saw_rows_.value != 0; }

 private:
  MachineWindowUsage usage_;
  MaxOf<uint8_t> saw_rows_;
};

}  // namespace borgscope
