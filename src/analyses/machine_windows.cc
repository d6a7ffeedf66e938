#include "analyses/machine_windows.h"

#include <string>
#include <vector>

#include "engine/registry.h"
#include "errors.h"

namespace borgscope {

void MachineWindowsState::Consume(const RowBatch& task_usage) {
  usage_.Consume(task_usage);
  if (task_usage.size > 0) saw_rows_.value = 1;
}

const MachineWindowsState& MachineWindowsOf(InputStates inputs) {
  if (inputs.empty() || inputs[0] == nullptr) {
    throw InternalError("the machine-window loads were not handed to the analysis");
  }
  return MachineWindowsState::Of(*inputs[0]);
}

namespace {

class MachineWindowsInput : public KeyedAnalysis {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        kMachineWindowsInput, "Machine-window loads (input of q8 and q9)",
        "How loaded is each machine in each 5-minute window?",
        "Per machine and window [k 300 s, (k+1) 300 s), the exact sum of rate x (end_time - "
        "start_time) of the task_usage rows whose start_time falls in it, per resource."};
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
