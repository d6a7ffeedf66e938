#include "analyses/machine_windows.h"

#include <vector>

#include "engine/question.h"
#include "engine/registry.h"

namespace borgscope {

void MachineWindowsState::Consume(const RowBatch& task_usage) {
  usage_.Consume(task_usage);
  if (task_usage.size > 0) saw_rows_.value = 1;
}

namespace {

class MachineWindowsInput : public KeyedInput<MachineWindowsInput, MachineWindowsState> {
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
};

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(MachineWindowsInput);

}  // namespace borgscope
