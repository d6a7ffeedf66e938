// q3 jobs and tasks per scheduling class: distinct jobs in job_events and
// distinct tasks (job_id, task_index) in task_events per class, and event rows
// per (table, class, event type). Merge: holistic (distinct sets, unioned;
// the tasks' classes are the input task_outcomes'); the event counts are
// distributive.

#include <fmt/core.h>

#include <algorithm>
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
#include "states/class_sets.h"
#include "trace/trace_order.h"

namespace borgscope {
namespace {

using ClassEvent = std::pair<int64_t, int64_t>;  // (scheduling_class, event_type)

// Event rows per (class, event type): a fixed array for classes 0..30 and the
// empty class (bit 31 as in ClassSets), a map for any other class.
class EventCounts : public UnkeyedPart<EventCounts> {
 public:
  void Add(int64_t klass, int64_t event_type) {
    int slot = klass == kNull ? kNullClassBit : static_cast<int>(klass);
    if (klass != kNull && (klass < 0 || klass >= kNullClassBit)) {
      ++overflow_[{klass, event_type}];
    } else {
      ++counts_[slot][event_type];
    }
  }
  void Merge(const EventCounts& other) {
    for (int slot = 0; slot < 32; ++slot) {
      for (int type = 0; type < kEventTypeCount; ++type)
        counts_[slot][type] += other.counts_[slot][type];
    }
    for (const auto& [key, count] : other.overflow_) overflow_[key] += count;
  }
  void Serialize(WireWriter& out) const {
    for (const auto& row : counts_) {
      for (uint64_t count : row) out.Put(count);
    }
    out.Put<uint64_t>(overflow_.size());
    for (const auto& [key, count] : overflow_) {
      out.Put(key.first);
      out.Put(key.second);
      out.Put(count);
    }
  }
  void Deserialize(WireReader& in) {
    for (auto& row : counts_) {
      for (uint64_t& count : row) count += in.Get<uint64_t>();
    }
    for (uint64_t i = 0, n = in.GetCount(24); i < n; ++i) {
      int64_t klass = in.Get<int64_t>();
      int64_t type = in.Get<int64_t>();
      overflow_[{klass, type}] += in.Get<uint64_t>();
    }
  }
  // Non-zero counts by (class, event type), class kNull for the empty class.
  std::map<ClassEvent, uint64_t> NonZero() const {
    std::map<ClassEvent, uint64_t> result(overflow_.begin(), overflow_.end());
    for (int slot = 0; slot < 32; ++slot) {
      for (int type = 0; type < kEventTypeCount; ++type) {
        if (counts_[slot][type] != 0) {
          result[{slot == kNullClassBit ? kNull : slot, type}] = counts_[slot][type];
        }
      }
    }
    return result;
  }

 private:
  std::array<std::array<uint64_t, kEventTypeCount>, 32> counts_{};
  std::map<ClassEvent, uint64_t> overflow_;
};

class Q3State : public StateOf<Q3State> {
 public:
  void Consume(const RowBatch& rows) override {
    if (rows.table == Table::kJobEvents) {
      using namespace job_events;
      for (size_t r = 0; r < rows.size; ++r) {
        int64_t klass = rows.Value(kSchedulingClass, r);
        jobs_.Add(rows.Value(kJobId, r), klass);
        job_events_.Add(klass, rows.Value(kEventType, r));
      }
    } else {
      using namespace task_events;
      for (size_t r = 0; r < rows.size; ++r) {
        task_events_.Add(rows.Value(kSchedulingClass, r), rows.Value(kEventType, r));
      }
    }
  }
  // Jobs by job id; the event counts (no key) in part 0. Tasks: the input
  // task_outcomes.
  static auto Parts(auto& self) {
    return std::tie(self.jobs_, self.job_events_, self.task_events_);
  }

  ClassSets<int64_t> jobs_;
  EventCounts job_events_;
  EventCounts task_events_;
};

// Jobs and tasks by class over some partitions, and the event counts.
struct Q3Summary : SummaryOf<Q3Summary> {
  static auto Parts(auto& self) {
    return std::tie(self.jobs, self.tasks, self.job_events, self.task_events);
  }
  ClassTally jobs, tasks;
  EventCounts job_events, task_events;
};

// Classes ascending, an empty class (kNull) last.
bool ClassLess(int64_t a, int64_t b) {
  if ((a == kNull) != (b == kNull)) return b == kNull;
  return a < b;
}
std::string ClassText(int64_t klass) { return klass == kNull ? "" : std::to_string(klass); }

CsvTable CountsByClass(const ClassTally& tally, const char* count_column) {
  std::vector<std::pair<int64_t, uint64_t>> counts(tally.by_class.begin(), tally.by_class.end());
  std::sort(counts.begin(), counts.end(),
            [](const auto& a, const auto& b) { return ClassLess(a.first, b.first); });
  CsvTable table({"scheduling_class", count_column, "share"});
  for (const auto& [klass, count] : counts) {
    table.AddRow({ClassText(klass), std::to_string(count),
                  FormatShare(static_cast<double>(count), static_cast<double>(tally.distinct))});
  }
  return table;
}

class Q3JobsTasksByClass : public KeyedQuestion<Q3JobsTasksByClass, Q3State, Q3Summary> {
 public:
  const AnalysisInfo& Info() const override {
    static const AnalysisInfo info{
        "q3", "Jobs and tasks per scheduling class",
        "How are jobs and tasks distributed over the scheduling classes?",
        "Distinct job_id values of job_events and distinct tasks (job_id, task_index) of "
        "task_events per scheduling_class written on their rows; share = count / all "
        "distinct jobs (tasks). events_by_class_and_type counts rows (events) per table, "
        "class and event type: the batch twin of the stream's borgscope_events_total."};
    return info;
  }
  std::vector<TableColumns> Needs() const override {
    using namespace task_events;
    return {{Table::kJobEvents, ColumnBit(job_events::kJobId) | ColumnBit(job_events::kEventType) |
                                    ColumnBit(job_events::kSchedulingClass)},
            {Table::kTaskEvents, ColumnBit(kEventType) | ColumnBit(kSchedulingClass)}};
  }
  std::vector<std::string_view> InputIds() const override { return {kTaskOutcomesInput}; }
  Q3Summary Summarize(const Q3State& partition, InputStates inputs, Cluster&) const {
    Q3Summary summary;
    summary.jobs = partition.jobs_.Tally();
    summary.tasks = InputOf<TaskOutcomesState>(inputs).Classes();
    summary.job_events = partition.job_events_;
    summary.task_events = partition.task_events_;
    return summary;
  }
  void Write(const Q3Summary& summary, ResultWriter& out) const;
  std::vector<PlotSpec> Plots() const override {
    return {{.name = "jobs_tasks_by_class",
             .title = "Jobs and tasks by scheduling class",
             .x_label = "scheduling class (0: least latency-sensitive, 3: most)",
             .y_label = "share of distinct jobs / tasks (%)",
             .series = {{.title = "jobs",
                         .file = "jobs_by_class.csv",
                         .x = {"scheduling_class"},
                         .y = "share",
                         .scale = 100},
                        {.title = "tasks",
                         .file = "tasks_by_class.csv",
                         .x = {"scheduling_class"},
                         .y = "share",
                         .scale = 100}}}};
  }
};

void Q3JobsTasksByClass::Write(const Q3Summary& summary, ResultWriter& out) const {
  const ClassTally &job_tally = summary.jobs, &task_tally = summary.tasks;
  const EventCounts &job_events = summary.job_events, &task_events = summary.task_events;
  const uint64_t jobs = job_tally.distinct, tasks = task_tally.distinct;
  CsvTable jobs_table = CountsByClass(job_tally, "jobs");
  CsvTable tasks_table = CountsByClass(task_tally, "tasks");
  out.WriteCsv("jobs_by_class.csv", jobs_table);
  out.WriteCsv("tasks_by_class.csv", tasks_table);

  CsvTable events({"table", "scheduling_class", "event_type", "events"});
  for (const auto& [name, counts] :
       {std::pair{"job_events", &job_events}, std::pair{"task_events", &task_events}}) {
    std::map<ClassEvent, uint64_t> nonzero = counts->NonZero();
    std::vector<std::pair<ClassEvent, uint64_t>> sorted(nonzero.begin(), nonzero.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      if (a.first.first != b.first.first) return ClassLess(a.first.first, b.first.first);
      return a.first.second < b.first.second;
    });
    for (const auto& [key, count] : sorted) {
      events.AddRow({name, ClassText(key.first), std::string(EventTypeName(key.second)),
                     std::to_string(count)});
    }
  }
  out.WriteCsv("events_by_class_and_type.csv", events);

  auto describe = [](const CsvTable& table) {
    std::string text;
    for (const auto& row : table.rows()) {
      if (!text.empty()) text += ", ";
      double share = row[2].empty() ? 0 : std::stod(row[2]);
      text += fmt::format("class {}: {} ({})", row[0].empty() ? "(none)" : row[0], row[1],
                          FormatPercent(share, 1));
    }
    return text.empty() ? std::string("none") : text;
  };
  out.WriteFinding(
      fmt::format("{} distinct jobs by scheduling class: {}. {} distinct tasks by "
                  "scheduling class: {}.",
                  jobs, describe(jobs_table), tasks, describe(tasks_table)));
}

}  // namespace

BORGSCOPE_REGISTER_ANALYSIS(Q3JobsTasksByClass);

}  // namespace borgscope
