// Every analysis gives byte-identical results whether its input is consumed by
// one state, or split 2, 3 and 7 ways into partial states that are serialized,
// deserialized and merged in shuffled order, by Merge or Absorb (STYLE.md 5).
// Keyed analyses also when the split states are exchanged by key between 2, 3
// and 5 ranks (threads standing in for MPI ranks) and finished per partition,
// and their summaries merge alike as values and from the wire.
// Run over the real shards and over a hand-made fixture with two shards per
// table.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "engine/key_exchange.h"
#include "engine/registry.h"
#include "engine/shard_reader.h"
#include "engine/shared_scan.h"
#include "results/result_writer.h"
#include "test_support.h"
#include "thread_cluster.h"

namespace borgscope::testing {
namespace {

RowBatch SliceBatch(const RowBatch& batch, size_t begin, size_t end) {
  RowBatch slice;
  slice.table = batch.table;
  slice.shard = batch.shard;
  slice.size = end - begin;
  slice.line.assign(batch.line.begin() + begin, batch.line.begin() + end);
  for (int c = 0; c < kMaxColumns; ++c) {
    if (!batch.values[c].empty()) {
      slice.values[c].assign(batch.values[c].begin() + begin, batch.values[c].begin() + end);
    }
    if (!batch.text[c].empty()) {
      slice.text[c].assign(batch.text[c].begin() + begin, batch.text[c].begin() + end);
    }
  }
  return slice;
}

std::unique_ptr<AnalysisState> RoundTrip(const Analysis& analysis, const AnalysisState& state,
                                         const AnalysisState* merged) {
  WireWriter writer;
  state.Serialize(writer);
  std::unique_ptr<AnalysisState> copy = analysis.NewState(merged);
  WireReader reader(writer.bytes());
  copy->Deserialize(reader);
  EXPECT_TRUE(reader.AtEnd()) << analysis.Info().id << ": Deserialize left bytes unread";
  return copy;
}

// Consumes the shards of `table`, cut at random row boundaries, each piece
// into one of `states` chosen at random.
void ConsumeSplit(const Analysis& analysis, const TableShards& table,
                  std::vector<std::unique_ptr<AnalysisState>>& states, std::mt19937_64& random) {
  ShardReader reader(table.table, ColumnsWanted(analysis, table.table), false);
  for (const ShardFile& shard : table.shards) {
    reader.Read(
        shard,
        [&](const RowBatch& batch) {
          size_t begin = 0;
          while (begin < batch.size) {
            size_t end = std::min(batch.size, begin + 1 + random() % 5000);
            states[random() % states.size()]->Consume(SliceBatch(batch, begin, end));
            begin = end;
          }
        },
        nullptr);
  }
}

std::map<std::string, std::string> FilesWritten(const ResultWriter& writer) {
  std::map<std::string, std::string> files;
  for (const std::string& name : writer.files_written()) {
    files[name] = ReadText(writer.directory() / name);
  }
  return files;
}

// The analyses `analysis` reads as inputs (Analysis::InputIds), in order.
std::vector<const Analysis*> InputsOf(const Analysis& analysis) {
  static const std::vector<std::unique_ptr<Analysis>> all = CreateAllAnalyses();
  std::vector<const Analysis*> inputs;
  for (std::string_view id : analysis.InputIds()) {
    for (const auto& candidate : all) {
      if (candidate->Info().id == id) inputs.push_back(candidate.get());
    }
  }
  EXPECT_EQ(inputs.size(), analysis.InputIds().size());
  return inputs;
}

// Consumes every table `analysis` needs, split `ways` ways at random row
// boundaries, into partial states merged in shuffled order.
std::unique_ptr<AnalysisState> MergedSplit(const Analysis& analysis,
                                           const std::vector<TableShards>& tables, int ways,
                                           uint64_t seed) {
  std::mt19937_64 random(seed);
  std::unique_ptr<AnalysisState> merged = analysis.NewState(nullptr);
  for (Table table : kAllTables) {
    if (ColumnsWanted(analysis, table) == 0) continue;
    auto shards = std::find_if(tables.begin(), tables.end(),
                               [&](const TableShards& t) { return t.table == table; });
    if (shards == tables.end()) continue;  // an optional table the trace lacks
    std::vector<std::unique_ptr<AnalysisState>> partials;
    for (int w = 0; w < ways; ++w) partials.push_back(analysis.NewState(merged.get()));
    ConsumeSplit(analysis, *shards, partials, random);
    std::vector<std::unique_ptr<AnalysisState>> copies;
    for (const auto& partial : partials)
      copies.push_back(RoundTrip(analysis, *partial, merged.get()));
    std::shuffle(copies.begin(), copies.end(), random);
    // Merge (the source stays), Absorb (the source is consumed) and
    // Deserialize into the merged state (as ranks do) must agree.
    for (const auto& copy : copies) {
      switch (random() % 3) {
        case 0:
          merged->Merge(*copy);
          break;
        case 1:
          merged->Absorb(std::move(*copy));
          break;
        default: {
          WireWriter writer;
          copy->Serialize(writer);
          WireReader reader(writer.bytes());
          merged->Deserialize(reader);
          EXPECT_TRUE(reader.AtEnd());
        }
      }
    }
    merged = RoundTrip(analysis, *merged, nullptr);
  }
  return merged;
}

// MergedSplit of the analysis and of its inputs; returns the files Finish
// writes, by name.
std::map<std::string, std::string> RunSplit(const Analysis& analysis,
                                            const std::vector<TableShards>& tables, int ways,
                                            uint64_t seed) {
  std::unique_ptr<AnalysisState> merged = MergedSplit(analysis, tables, ways, seed);
  std::vector<std::unique_ptr<AnalysisState>> input_states;
  std::vector<const AnalysisState*> inputs;
  for (const Analysis* input : InputsOf(analysis)) {
    input_states.push_back(MergedSplit(*input, tables, ways, seed + 1000));
    inputs.push_back(input_states.back().get());
  }
  TempDir out;
  ResultWriter writer(out.path(), analysis.Info().id);
  analysis.Finish(*merged, inputs, writer);
  return FilesWritten(writer);
}

// A keyed analysis's summary of the whole state, merged as a value (one
// process) and deserialized from its bytes (MPI ranks): both add every field,
// so the two agree after adding it once and twice, and the summary merged
// once writes the files Finish writes.
std::map<std::string, std::string> RunSummaries(const Analysis& analysis,
                                                const std::vector<TableShards>& tables) {
  const auto& keyed = static_cast<const KeyedAnalysis&>(analysis);
  std::unique_ptr<AnalysisState> merged = MergedSplit(analysis, tables, 1, 1);
  std::vector<std::unique_ptr<AnalysisState>> input_states;
  std::vector<const AnalysisState*> inputs;
  for (const Analysis* input : InputsOf(analysis)) {
    input_states.push_back(MergedSplit(*input, tables, 1, 1001));
    inputs.push_back(input_states.back().get());
  }
  std::unique_ptr<AnalysisSummary> summary =
      keyed.SummarizePartition(*merged, inputs, SingleProcess());
  auto bytes = [](const AnalysisSummary& s) {
    WireWriter out;
    s.Serialize(out);
    return out.Take();
  };
  const std::string once = bytes(*summary);
  std::unique_ptr<AnalysisSummary> as_value = keyed.NewSummary();
  std::unique_ptr<AnalysisSummary> from_wire = keyed.NewSummary();
  for (int times = 1; times <= 2; ++times) {
    as_value->Merge(*summary);
    WireReader in(once);
    from_wire->Deserialize(in);
    EXPECT_TRUE(in.AtEnd()) << "Deserialize left bytes unread";
    // (Compared as booleans: the bytes are long and unreadable.)
    EXPECT_TRUE(bytes(*as_value) == bytes(*from_wire)) << "added " << times << " times";
    if (times == 1) {
      EXPECT_TRUE(bytes(*as_value) == once);
    }
  }
  // Added twice, a count doubles: the bytes differ from once's (unless the
  // summary is empty: q9 on a fixture without machine capacities).
  if (once != bytes(*keyed.NewSummary())) {
    EXPECT_FALSE(bytes(*as_value) == once);
  }
  std::unique_ptr<AnalysisSummary> single = keyed.NewSummary();
  single->Merge(*summary);
  TempDir out;
  ResultWriter writer(out.path(), analysis.Info().id);
  keyed.WriteSummary(*single, writer);
  return FilesWritten(writer);
}

// Rows of every table split at random over `ranks` states; the states are
// exchanged by key and finished per partition, rank 0 writing.
std::map<std::string, std::string> RunAcrossRanks(const Analysis& analysis,
                                                  const std::vector<TableShards>& tables, int ranks,
                                                  uint64_t seed) {
  std::mt19937_64 random(seed);
  // The analysis first, then its inputs; states[a][r]: analysis a's state on rank r.
  std::vector<const Analysis*> analyses = {&analysis};
  for (const Analysis* input : InputsOf(analysis)) analyses.push_back(input);
  std::vector<std::vector<std::unique_ptr<AnalysisState>>> states(analyses.size());
  for (size_t a = 0; a < analyses.size(); ++a) {
    for (int r = 0; r < ranks; ++r) states[a].push_back(analyses[a]->NewState(nullptr));
    for (const TableShards& shards : tables) {
      if (ColumnsWanted(*analyses[a], shards.table) != 0) {
        ConsumeSplit(*analyses[a], shards, states[a], random);
      }
    }
  }
  const auto& keyed = static_cast<const KeyedAnalysis&>(analysis);
  TempDir out;
  ResultWriter writer(out.path(), analysis.Info().id);
  ThreadRanks(ranks).Run([&](Cluster& cluster) {
    std::vector<KeyedState> keyed_states;
    for (size_t a = 0; a < analyses.size(); ++a) {
      keyed_states.push_back({analyses[a], &states[a][cluster.rank()]});
    }
    ExchangeByKey(keyed_states, cluster);
    std::vector<const AnalysisState*> inputs;
    for (size_t a = 1; a < analyses.size(); ++a) inputs.push_back(states[a][cluster.rank()].get());
    std::unique_ptr<AnalysisSummary> summary = GatherSummaries(
        keyed.SummarizePartition(*states[0][cluster.rank()], inputs, cluster), cluster);
    if (cluster.rank() == 0) keyed.WriteSummary(*summary, writer);
  });
  return FilesWritten(writer);
}

void ExpectMergeEquivalence(const std::string& trace_dir) {
  std::vector<TableShards> tables;
  for (Table table : kAllTables) {
    if (auto shards = DiscoverShards(trace_dir, table, ShardRange{})) tables.push_back(*shards);
  }
  int checked = 0, keyed = 0;
  for (const auto& analysis : CreateAllAnalyses()) {
    if (analysis->IsInput()) continue;  // checked through the analyses that read it
    bool runnable = true;
    for (const TableColumns& need : analysis->Needs()) {
      runnable &=
          need.optional || std::any_of(tables.begin(), tables.end(),
                                       [&](const TableShards& t) { return t.table == need.table; });
    }
    if (!runnable) continue;
    SCOPED_TRACE(std::string(analysis->Info().id));
    std::map<std::string, std::string> whole = RunSplit(*analysis, tables, 1, 1);
    EXPECT_FALSE(whole.empty());
    for (int ways : {2, 3, 7}) {
      EXPECT_EQ(RunSplit(*analysis, tables, ways, 100 + ways), whole) << ways << " ways";
    }
    if (analysis->SplitsByKey()) {
      EXPECT_EQ(RunSummaries(*analysis, tables), whole) << "summaries";
      for (int ranks : {2, 3, 5}) {
        EXPECT_EQ(RunAcrossRanks(*analysis, tables, ranks, 200 + ranks), whole)
            << ranks << " ranks";
      }
      ++keyed;
    }
    ++checked;
  }
  EXPECT_GE(checked, 3);
  EXPECT_GE(keyed, 3);
}

TEST(MergeEquivalence, RealShards) { ExpectMergeEquivalence(kSampleDir.string()); }

TEST(MergeEquivalence, FixtureWithTwoShardsPerTable) {
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents,
                 "0,1,0,P,0.5,0.25\n0,2,0,P,,\n10,2,2,P,1,1\n20,1,1,P,,\n30,1,0,P,0.5,0.5\n"
                 "40,3,0,P,0.25,0.25\n40,3,2,P,0.5,0.5\n90,2,1,P,,\n");
  trace.AddShard(Table::kJobEvents, "0,,1,0,U,0,N,L\n5,,2,0,U,1,N,L\n", 0, 2);
  trace.AddShard(Table::kJobEvents, "50,,1,4,U,0,N,L\n60,,3,0,U,,N,L\n", 1, 2);
  trace.AddShard(Table::kTaskEvents,
                 "0,,1,0,,0,U,0,9,0.1,0.1,,\n0,,1,1,,0,U,0,9,,,,\n10,,1,0,1,1,U,0,9,,,,\n", 0, 2);
  trace.AddShard(Table::kTaskEvents,
                 "50,,1,0,1,2,U,0,9,,,,\n50,,1,0,,0,U,0,9,0.2,,,\n60,,2,0,,5,U,1,0,,,,\n", 1, 2);
  ExpectMergeEquivalence(trace.root());
}

// With task_usage: tasks with requests only ((3,0)), usage only ((4,0)) and
// both; cpu and memory requests written by one row or by different rows (the
// last row of (1,1), in the second shard, writes both, and its request must
// win over the first shard's); usage rows with one resource empty (unequal
// weights, (1,0)); duration-weighted sums beyond 64 bits (0.1 x 300 s in
// 1e-12 x us) and within them ((4,0)). Every form of q7's wire entry, split at
// random across states and ranks; machine windows with one resource only
// (machine 8 at 900 s: no cpu from (2,0); machine 9: cpu only).
TEST(MergeEquivalence, FixtureWithTaskUsage) {
  // task_usage rows: the first 7 columns, the 13 others empty.
  auto usage_rows = [](std::initializer_list<std::string_view> heads) {
    std::string csv;
    for (std::string_view head : heads) csv += std::string(head) + ",,,,,,,,,,,,,\n";
    return csv;
  };
  FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, "0,7,0,P,0.5,0.5\n0,8,0,P,1,1\n0,9,0,P,0.5,0.5\n");
  trace.AddShard(Table::kTaskEvents,
                 "0,,1,0,,0,U,0,0,0.5,0.25,,\n0,,1,1,,0,U,0,0,0.5,0.5,,\n"
                 "0,,2,0,,0,U,0,0,0.5,0.125,,\n0,,3,0,,0,U,0,0,1,,,\n2,,1,1,,7,U,0,0,0.75,,,\n",
                 0, 2);
  trace.AddShard(Table::kTaskEvents,
                 "5,,1,0,7,1,U,0,0,0.5,0.375,,\n10,,1,0,,7,U,0,0,0.25,,,\n"
                 "20,,2,0,8,1,U,0,0,,0.25,,\n30,,1,1,7,1,U,0,0,0.5,0.625,,\n",
                 1, 2);
  trace.AddShard(
      Table::kTaskUsage,
      usage_rows({"600000000,900000000,1,0,7,0.1,0.2", "600000000,900000000,1,1,7,0.6,0.1",
                  "600000000,600000010,4,0,8,0.9,0.9", "600000000,900000000,2,0,8,0.3,"}),
      0, 2);
  trace.AddShard(
      Table::kTaskUsage,
      usage_rows({"900000000,1000000000,1,0,7,0.4,", "900000000,1200000000,1,1,7,0.5,0.2",
                  "900000000,900000020,4,0,8,0.8,0.7", "900000000,1200000000,2,0,8,,0.3",
                  "1200000000,1300000000,5,0,9,0.2,"}),
      1, 2);
  ExpectMergeEquivalence(trace.root());
}

}  // namespace
}  // namespace borgscope::testing
