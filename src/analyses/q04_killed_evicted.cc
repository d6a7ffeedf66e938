// q4 killed and evicted: per scheduling class, distinct tasks (jobs) and how
// many had at least one EVICT / KILL / FAIL / LOST / FINISH event. A task
// counts under the class written on its rows; `all` counts distinct tasks.
// Merge: holistic (per-entity flags; the tasks' are the input task_outcomes'),
// EVICT row counts distributive.

#include <fmt/core.h>

#include <map>
#include <span>
#include <string>
#include <tuple>

#include "analyses/task_outcomes.h"
#include "engine/question.h"
#include "engine/registry.h"
#include "engine/state_parts.h"
#include "results/format.h"
#include "results/result_writer.h"
#include "states/outcome_flags.h"

namespace borgscope {
namespace {

class Q4State : public StateOf<Q4State> {
 public:
  void Consume(const RowBatch& rows) override {
    if (rows.table == Table::kJobEvents) {
      using namespace job_events;
      for (size_t r = 0; r < rows.size; ++r) {
        jobs_.Add(rows.Value(kJobId, r), rows.Value(kSchedulingClass, r),
                  rows.Value(kEventType, r));
      }
    } else {
      using namespace task_events;
      for (size_t r = 0; r < rows.size; ++r) {
        task_evict_rows_.Add(rows.Value(kSchedulingClass, r), rows.Value(kEventType, r));
      }
    }
  }
  // Tasks' flags: the input task_outcomes.
  static auto Parts(auto& self) { return std::tie(self.jobs_, self.task_evict_rows_); }

  OutcomeFlags<int64_t> jobs_;
  EvictRows task_evict_rows_;  // per class
};

// Classes 0-3 always, then other classes present, then an empty class.
std::vector<int64_t> ClassesToList(const std::map<int64_t, OutcomeCounts>& counts) {
  std::vector<int64_t> classes = {0, 1, 2, 3};
  for (const auto& [klass, tally] : counts) {
    if (klass != kNull && (klass < 0 || klass > 3)) classes.push_back(klass);
  }
  if (counts.count(kNull)) classes.push_back(kNull);
  return classes;
}

std::string ClassText(int64_t klass) { return klass == kNull ? "" : std::to_string(klass); }

std::vector<std::string> OutcomeCells(const std::string& label, const OutcomeCounts& c) {
  return {label,
          std::to_string(c.entities),
          std::to_string(c.evicted),
          std::to_string(c.killed),
          std::to_string(c.failed),
          std::to_string(c.lost),
          std::to_string(c.finished)};
}

// What a partition of the jobs contributes, for jobs or for tasks.
struct EntityOutcomes {
  OutcomeTally tally;
  OutcomeCounts overall;
  void Serialize(WireWriter& out) const {
    tally.Serialize(out);
    out.Put(overall);
  }
  void Merge(const EntityOutcomes& other) {
    tally.Merge(other.tally);
    overall.Add(other.overall);
  }
  void Deserialize(WireReader& in) {  // adds what Serialize wrote
    tally.Deserialize(in);
    overall.Add(in.Get<OutcomeCounts>());
  }
};

struct Q4Summary : SummaryOf<Q4Summary> {
  static auto Parts(auto& self) { return std::tie(self.tasks, self.jobs); }
  EntityOutcomes tasks, jobs;
};

class Q4KilledEvicted : public KeyedQuestion<Q4KilledEvicted, Q4State, Q4Summary> {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        "q4", "Killed and evicted tasks and jobs per scheduling class",
        "How likely is a task (a job) of each scheduling class to be evicted, killed, to fail, "
        "to be lost or to finish?",
        "Per scheduling class written on the rows (0-3 always listed, then any other class, "
        "then all): distinct tasks (job_id, task_index) of task_events, and how many of them "
        "have at least one EVICT / KILL / FAIL / LOST / FINISH row; evict_events counts EVICT "
        "rows. 'all' counts each distinct task once (not the sum of the classes). The same for "
        "jobs of job_events. probability = evicted_tasks / tasks."};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    return {{Table::kJobEvents, ColumnBit(job_events::kJobId) | ColumnBit(job_events::kEventType) |
                                    ColumnBit(job_events::kSchedulingClass)},
            {Table::kTaskEvents,
             ColumnBit(task_events::kEventType) | ColumnBit(task_events::kSchedulingClass)}};
  }
  std::vector<std::string_view> InputIds() const override { return {kTaskOutcomesInput}; }
  Q4Summary Summarize(const Q4State& partition, InputStates inputs, Cluster&) const {
    const TaskOutcomesState& tasks = InputOf<TaskOutcomesState>(inputs);
    Q4Summary summary;
    summary.tasks = {tasks.ClassOutcomes(), tasks.Overall()};
    summary.tasks.tally.evict_events = partition.task_evict_rows_.Sorted();
    summary.jobs = {partition.jobs_.Tally(), partition.jobs_.CountsOverall()};
    return summary;
  }
  void Write(const Q4Summary& summary, ResultWriter& out) const;
  std::vector<PlotSpec> Plots() const override {
    auto outcomes = [](std::string name, std::string entity) {
      PlotSpec spec{
          .name = name + "_outcomes",
          .title = "Outcomes of " + entity + " by scheduling class",
          .x_label = "scheduling class (all: every distinct " + name + ")",
          .y_label = entity + " with at least one such event (% of the class's " + entity + ")"};
      for (const char* outcome : {"evicted", "killed", "failed", "lost", "finished"}) {
        spec.series.push_back({.title = outcome,
                               .file = name + "_outcomes.csv",
                               .x = {"scheduling_class"},
                               .y = outcome,
                               .per = entity,
                               .scale = 100});
      }
      return spec;
    };
    return {outcomes("task", "tasks"), outcomes("job", "jobs")};
  }
};

void Q4KilledEvicted::Write(const Q4Summary& summary, ResultWriter& out) const {
  const EntityOutcomes &task_outcomes = summary.tasks, &job_outcomes = summary.jobs;
  // Copies: a class of no task reads as zero counts.
  std::map<int64_t, OutcomeCounts> task_counts = task_outcomes.tally.by_group;
  const OutcomeCounts all_tasks = task_outcomes.overall;

  CsvTable tasks({"scheduling_class", "tasks", "evicted", "killed", "failed", "lost", "finished",
                  "evict_events"});
  CsvTable eviction({"scheduling_class", "tasks", "evicted_tasks", "probability"});
  for (int64_t klass : ClassesToList(task_counts)) {
    OutcomeCounts c = task_counts[klass];
    auto cells = OutcomeCells(ClassText(klass), c);
    cells.push_back(std::to_string(task_outcomes.tally.EvictEvents(klass)));
    tasks.AddRow(cells);
    eviction.AddRow({ClassText(klass), std::to_string(c.entities), std::to_string(c.evicted),
                     FormatShare(c.evicted, c.entities)});
  }
  auto all_cells = OutcomeCells("all", all_tasks);
  all_cells.push_back(std::to_string(task_outcomes.tally.EvictEventsOverall()));
  tasks.AddRow(all_cells);
  eviction.AddRow({"all", std::to_string(all_tasks.entities), std::to_string(all_tasks.evicted),
                   FormatShare(all_tasks.evicted, all_tasks.entities)});
  out.WriteCsv("task_outcomes.csv", tasks);

  std::map<int64_t, OutcomeCounts> job_counts = job_outcomes.tally.by_group;
  CsvTable jobs({"scheduling_class", "jobs", "evicted", "killed", "failed", "lost", "finished"});
  for (int64_t klass : ClassesToList(job_counts)) {
    jobs.AddRow(OutcomeCells(ClassText(klass), job_counts[klass]));
  }
  const OutcomeCounts all_jobs = job_outcomes.overall;
  jobs.AddRow(OutcomeCells("all", all_jobs));
  out.WriteCsv("job_outcomes.csv", jobs);
  out.WriteCsv("eviction_by_class.csv", eviction);

  std::string per_class;
  for (int64_t klass = 0; klass <= 3; ++klass) {
    const OutcomeCounts& c = task_counts[klass];
    per_class += fmt::format("{}class {}: {} of {} tasks", klass == 0 ? "" : ", ", klass,
                             FormatPercent(c.evicted, c.entities), c.entities);
  }
  out.WriteFinding(fmt::format(
      "Of {} distinct tasks, {} ({}) were evicted at least once ({} EVICT events), {} "
      "({}) killed, {} failed, {} lost and {} finished. Evicted at least once by "
      "scheduling class: {}. Of {} jobs, {} were killed and {} finished.",
      all_tasks.entities, all_tasks.evicted, FormatPercent(all_tasks.evicted, all_tasks.entities),
      task_outcomes.tally.EvictEventsOverall(), all_tasks.killed,
      FormatPercent(all_tasks.killed, all_tasks.entities), all_tasks.failed, all_tasks.lost,
      all_tasks.finished, per_class, all_jobs.entities, all_jobs.killed, all_jobs.finished));
}

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(Q4KilledEvicted);

}  // namespace borgscope
