#include "analyses/machine_windows.h"

#include <string>
#include <vector>

#include "engine/registry.h"
#include "errors.h"

namespace borgscope {

void MachineWindowsState::Consume(const RowBatch& task_usage) {
  usage_.Consume(task_usage);
  saw_rows_ = saw_rows_ || task_usage.size > 0;
}

void MachineWindowsState::Merge(const AnalysisState& other) {
  const auto& state = static_cast<const MachineWindowsState&>(other);
  usage_.Merge(state.usage_);
  saw_rows_ = saw_rows_ || state.saw_rows_;
}

void MachineWindowsState::Absorb(AnalysisState&& other) {
  auto& state = static_cast<MachineWindowsState&>(other);
  usage_.Absorb(std::move(state.usage_));
  saw_rows_ = saw_rows_ || state.saw_rows_;
}

void MachineWindowsState::Serialize(WireWriter& out) const { SerializePartitions({&out, 1}); }

void MachineWindowsState::SerializePartitions(std::span<WireWriter> parts) const {
  usage_.SerializePartitions(parts);
  for (size_t p = 0; p < parts.size(); ++p) parts[p].Put<uint8_t>(p == 0 && saw_rows_);
}

void MachineWindowsState::KeepPartition(size_t part, size_t parts) {
  usage_.KeepPartition(part, parts);
  if (part != 0) saw_rows_ = false;
}

void MachineWindowsState::Deserialize(WireReader& in) {
  usage_.Deserialize(in);
  saw_rows_ = in.Get<uint8_t>() != 0 || saw_rows_;
}

const MachineWindowsState& MachineWindowsOf(InputStates inputs) {
  if (inputs.empty() || inputs[0] == nullptr) {
    throw InternalError("the machine-window loads were not handed to the analysis");
  }
  return static_cast<const MachineWindowsState&>(*inputs[0]);
}

namespace {

class MachineWindowsInput : public KeyedAnalysis {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        kMachineWindowsInput, "Machine-window loads (input of q8 and q9)",
        "How loaded is each machine in each 5-minute window?",
        "Per machine and window [k 300 s, (k+1) 300 s), the exact sum of rate x (end_time - "
        "start_time) of the task_usage rows whose start_time falls in it, per resource.",
        MergeKind::kHolistic};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    return {{Table::kTaskUsage, MachineWindowUsage::Columns(), /*optional=*/true}};
  }
  std::unique_ptr<AnalysisState> NewState(const AnalysisState*) const override {
    return std::make_unique<MachineWindowsState>();
  }
  bool IsInput() const override { return true; }
  // Nothing of its own to write: q8 and q9 finish from its state.
  std::string FinishPartition(const AnalysisState&, InputStates, Cluster&) const override {
    return {};
  }
  void FinishSummaries(std::vector<std::string>, ResultWriter&) const override {}
};

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(MachineWindowsInput);

}  // namespace borgscope
