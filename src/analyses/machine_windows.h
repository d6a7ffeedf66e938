#pragma once
// The machine-window loads (MachineWindowUsage) as an input analysis
// (Analysis::IsInput): q8 and q9 both read them, so the scan consumes, merges
// and exchanges them once, and each finishes from the same state. Keyed by
// machine, as q8's and q9's own states are.

#include <span>
#include <string_view>

#include "analyses/machine_window_usage.h"
#include "engine/analysis.h"

namespace borgscope {

inline constexpr std::string_view kMachineWindowsInput = "machine_windows";

class MachineWindowsState : public AnalysisState {
 public:
  void Consume(const RowBatch& task_usage) override;
  void Merge(const AnalysisState& other) override;
  void Absorb(AnalysisState&& other) override;
  void Serialize(WireWriter& out) const override;
  void Deserialize(WireReader& in) override;
  void SerializePartitions(std::span<WireWriter> parts) const override;
  void KeepPartition(size_t part, size_t parts) override;

  const MachineWindowUsage& usage() const { return usage_; }
  // The trace has task_usage rows. A value of no key: in partition 0 only.
  bool saw_rows() const { return saw_rows_; }

 private:
  MachineWindowUsage usage_;
  bool saw_rows_ = false;
};

// The machine-window state among an analysis's inputs (its first, by
// convention of q8 and q9: InputIds() == {kMachineWindowsInput}).
const MachineWindowsState& MachineWindowsOf(InputStates inputs);

}  // namespace borgscope
