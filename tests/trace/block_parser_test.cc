#include "trace/block_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "io/gzip_reader.h"
#include "test_support.h"

namespace borgscope {
namespace {

using namespace task_events;

constexpr ColumnMask kAllTaskColumns = (ColumnMask{1} << 13) - 1;

RowBatch ParseAll(std::string_view text, ColumnMask wanted, BadRowPolicy& policy,
                  bool plain = false, Table table = Table::kTaskEvents) {
  BlockParser parser(table, wanted);
  RowBatch batch;
  ClearBatch(batch, table, 3);
  if (plain) {
    parser.ParsePlain(text.data(), text.data() + text.size(), 1, batch, policy);
  } else {
    parser.Parse(text.data(), text.data() + text.size(), 1, batch, policy);
  }
  return batch;
}

TEST(BlockParser, DecodesWantedColumnsOnly) {
  std::string text =
      "0,2,3418309,0,4155527081,0,70s3v5qRyCO=,3,9,,,,\n"
      "5611824441,,6251812952,1761,6486632288,1,user,0,11,0.125,3.815e-05,0.0004244,1\n";
  BadRowPolicy policy;
  ColumnMask wanted = ColumnBit(kTime) | ColumnBit(kJobId) | ColumnBit(kMachineId) |
                      ColumnBit(kCpuRequest) | ColumnBit(kMemoryRequest) | ColumnBit(kUser);
  RowBatch batch = ParseAll(text, wanted, policy);
  ASSERT_EQ(batch.size, 2u);
  EXPECT_FALSE(policy.fatal);
  EXPECT_EQ(batch.shard, 3u);
  EXPECT_EQ(batch.line[0], 1u);
  EXPECT_EQ(batch.line[1], 2u);
  EXPECT_EQ(batch.Value(kTime, 1), 5611824441);
  EXPECT_EQ(batch.Value(kJobId, 1), 6251812952);  // above 2^32
  EXPECT_EQ(batch.Value(kMachineId, 1), 6486632288);
  EXPECT_EQ(batch.Value(kCpuRequest, 0), kNull);  // empty optional
  EXPECT_EQ(batch.Value(kCpuRequest, 1), 125'000'000'000);
  EXPECT_EQ(batch.Value(kMemoryRequest, 1), 38'150'000);  // 3.815e-05
  EXPECT_EQ(batch.text[kUser][0], "70s3v5qRyCO=");
  EXPECT_TRUE(batch.values[kPriority].empty());  // not wanted, never touched
}

TEST(BlockParser, LastLineWithoutNewlineAndCarriageReturns) {
  std::string text = "1,,2,3,,0,u,1,0,,,,\r\n4,,5,6,,1,u,2,0,,,,";
  BadRowPolicy policy;
  RowBatch batch = ParseAll(text, kAllTaskColumns, policy);
  ASSERT_EQ(batch.size, 2u);
  EXPECT_EQ(batch.Value(kDifferentMachinesRestriction, 0), kNull);
  EXPECT_EQ(batch.Value(kTime, 1), 4);
  EXPECT_EQ(batch.Value(kSchedulingClass, 1), 2);
}

TEST(BlockParser, SpecialTimes) {
  std::string text = "0,,1,0,,0,u,0,0,,,,\n9223372036854775807,,1,0,,4,u,0,0,,,,\n";
  BadRowPolicy policy;
  RowBatch batch = ParseAll(text, ColumnBit(kTime), policy);
  ASSERT_EQ(batch.size, 2u);
  EXPECT_EQ(batch.Value(kTime, 0), 0);
  EXPECT_EQ(batch.Value(kTime, 1), kTimeAfterWindow);
}

struct BadRowCase {
  const char* name;
  std::string row;
  ColumnMask wanted;
  std::string expected;  // BadRow::Describe
};

TEST(BlockParser, EachKindOfBadRowWithItsPosition) {
  const TableSpec& spec = Spec(Table::kTaskEvents);
  const std::string good = "0,,1,0,,0,u,0,0,,,,\n";
  std::vector<BadRowCase> cases = {
      {"too few", "0,,1,0,,0,u,0,0,,,", kAllTaskColumns,
       "line 2: expected 13 columns, found 12: '0,,1,0,,0,u,0,0,,,'"},
      {"too many", "0,,1,0,,0,u,0,0,,,,,", kAllTaskColumns,
       "line 2: expected 13 columns, found 14: '0,,1,0,,0,u,0,0,,,,,'"},
      {"too few, unwanted columns", "0,,1", ColumnBit(kTime),
       "line 2: expected 13 columns, found 3: '0,,1'"},
      {"bad number", "0,,12x4,0,,0,u,0,0,,,,", ColumnBit(kJobId),
       "line 2, column 2 (job_id): not a number: '12x4' in row '0,,12x4,0,,0,u,0,0,,,,'"},
      {"bad float", "0,,1,0,,0,u,0,0,0.5.1,,,", ColumnBit(kCpuRequest),
       "line 2, column 9 (cpu_request): not a number: '0.5.1' in row '0,,1,0,,0,u,0,0,0.5.1,,,'"},
      {"bad enum", "0,,1,0,,9,u,0,0,,,,", ColumnBit(kEventType),
       "line 2, column 5 (event_type): value outside the column's enum: '9' in row "
       "'0,,1,0,,9,u,0,0,,,,'"},
      {"bad boolean", "0,,1,0,,1,u,0,0,,,,2", kAllTaskColumns,
       "line 2, column 12 (different_machines_restriction): value outside the column's enum: "
       "'2' in row '0,,1,0,,1,u,0,0,,,,2'"},
      {"empty mandatory", "0,,,0,,1,u,0,0,,,,", ColumnBit(kJobId),
       "line 2, column 2 (job_id): empty mandatory field: '' in row '0,,,0,,1,u,0,0,,,,'"},
      {"time out of range", "9223372036854775808,,1,0,,1,u,0,0,,,,", ColumnBit(kTime),
       "line 2, column 0 (time): number out of range: '9223372036854775808' in row "
       "'9223372036854775808,,1,0,,1,u,0,0,,,,'"},
      {"negative id", "0,,-1,0,,1,u,0,0,,,,", ColumnBit(kJobId),
       "line 2, column 2 (job_id): not a number: '-1' in row '0,,-1,0,,1,u,0,0,,,,'"},
      {"empty line", "", ColumnBit(kTime), "line 2: expected 13 columns, found 1: ''"},
      // Control bytes are escaped: a NUL printed raw ended the message there.
      {"NUL in a number", std::string("0,,1") + '\0' + "2,0,,0,u,0,0,,,,", ColumnBit(kJobId),
       "line 2, column 2 (job_id): not a number: '1\\x002' in row "
       "'0,,1\\x002,0,,0,u,0,0,,,,'"},
      {"escape and tab in a row", "0,,1,0,,0,u\x1b[2J\t,0,0,,,", ColumnBit(kTime),
       "line 2: expected 13 columns, found 12: '0,,1,0,,0,u\\x1b[2J\\x09,0,0,,,'"},
  };
  for (const BadRowCase& c : cases) {
    for (bool plain : {false, true}) {
      SCOPED_TRACE(std::string(c.name) + (plain ? " (plain)" : " (fused)"));
      std::string text = good + c.row + "\n" + good;
      BadRowPolicy fail;
      RowBatch batch = ParseAll(text, c.wanted, fail, plain);
      ASSERT_TRUE(fail.fatal);
      EXPECT_EQ(fail.fatal->Describe(spec), c.expected);
      EXPECT_EQ(batch.size, 1u);  // the row before; parsing stopped at the bad one

      BadRowPolicy skip;
      skip.skip = true;
      batch = ParseAll(text, c.wanted, skip, plain);
      EXPECT_FALSE(skip.fatal);
      EXPECT_EQ(skip.skipped, 1u);
      ASSERT_EQ(skip.examples.size(), 1u);
      EXPECT_EQ(skip.examples[0].line, 2u);
      ASSERT_EQ(batch.size, 2u);
      EXPECT_EQ(batch.line[1], 3u);
    }
  }
}

// Equal batches from the fused and the plain path.
void ExpectSameBatches(const RowBatch& a, const RowBatch& b, ColumnMask wanted, int columns) {
  ASSERT_EQ(a.size, b.size);
  for (size_t r = 0; r < a.size; ++r) {
    ASSERT_EQ(a.line[r], b.line[r]);
    for (int c = 0; c < columns; ++c) {
      if ((wanted & ColumnBit(c)) == 0) continue;
      if (!a.values[c].empty()) {
        ASSERT_EQ(a.values[c][r], b.values[c][r]) << "row " << r << " column " << c;
      } else {
        ASSERT_EQ(a.text[c][r], b.text[c][r]) << "row " << r << " column " << c;
      }
    }
  }
}

// Differential test: random rows built from good and nasty field values, in
// random column masks (some ended by "\r\n", the last at times by nothing),
// give the same batches and the same errors both ways.
TEST(BlockParser, FusedEqualsPlainOnRandomRows) {
  std::mt19937_64 random(42);
  const std::vector<std::string> pieces = {"",
                                           "0",
                                           "1",
                                           "8",
                                           "9",
                                           "12",
                                           "0.5",
                                           "3.815e-05",
                                           "1e3",
                                           "-1",
                                           "x",
                                           "18446744073709551615",
                                           "9223372036854775807",
                                           "00000000000000000000007",
                                           "2",
                                           "1.",
                                           ".5",
                                           "1e",
                                           "abc=",
                                           "+3",
                                           "0.0000000000005"};
  const TableSpec& spec = Spec(Table::kTaskEvents);
  for (int round = 0; round < 300; ++round) {
    std::string text;
    int rows = 1 + static_cast<int>(random() % 20);
    for (int r = 0; r < rows; ++r) {
      int columns = random() % 10 == 0 ? static_cast<int>(random() % 15) + 1 : 13;
      for (int c = 0; c < columns; ++c) {
        if (c > 0) text += ',';
        text += random() % 3 == 0 ? pieces[random() % pieces.size()] : std::to_string(random() % 5);
      }
      if (random() % 8 == 0) text += '\r';
      text += '\n';
    }
    // A last line without its newline (a shard's last, at times).
    if (random() % 4 == 0) text.pop_back();
    ColumnMask wanted = static_cast<ColumnMask>(random()) & kAllTaskColumns;
    for (bool skip : {false, true}) {
      BadRowPolicy fused_policy, plain_policy;
      fused_policy.skip = plain_policy.skip = skip;
      RowBatch fused = ParseAll(text, wanted, fused_policy, false);
      RowBatch plain = ParseAll(text, wanted, plain_policy, true);
      ExpectSameBatches(fused, plain, wanted, 13);
      ASSERT_EQ(fused_policy.fatal.has_value(), plain_policy.fatal.has_value()) << text;
      if (fused_policy.fatal) {
        ASSERT_EQ(fused_policy.fatal->Describe(spec), plain_policy.fatal->Describe(spec)) << text;
      }
      ASSERT_EQ(fused_policy.skipped, plain_policy.skipped);
      for (size_t i = 0; i < fused_policy.examples.size(); ++i) {
        ASSERT_EQ(fused_policy.examples[i].Describe(spec), plain_policy.examples[i].Describe(spec));
      }
    }
  }
}

// A number field that repeats the row before's bytes takes its value again
// without decoding: values equal to the last one, of other lengths, sharing
// its first bytes, differing in one byte, bad after good ones, and at a
// block's end (fewer than 16 bytes left), through one parser over many
// blocks (a column whose repeats stop is checked less, then more again).
TEST(BlockParser, RepeatedFieldsGiveWhatDecodingGives) {
  const std::vector<std::string> times = {
      "600000000",         "600000000",         "6000000000",       "600000001",
      "60000000",          "600000000",         "1600000000",       "600000000",
      "12345678901234567", "12345678901234567", "1234567890123456", "1234567890123456"};
  const std::vector<std::string> jobs = {"6251812952", "6251812952", "6251812953", "625181295",
                                         "6251812952", "62518129x2", "6251812952"};
  std::mt19937_64 random(7);
  BlockParser fused_parser(Table::kTaskEvents, kAllTaskColumns);
  BlockParser plain_parser(Table::kTaskEvents, kAllTaskColumns);
  const TableSpec& spec = Spec(Table::kTaskEvents);
  int bad_rows = 0;
  for (int block = 0; block < 60; ++block) {
    // In some blocks the times repeat row after row, in others they change
    // on every row, so that checking turns off and on.
    const bool repeating = (block / 5) % 2 == 0;
    std::string text;
    const int rows = 1 + static_cast<int>(random() % 40);
    for (int r = 0; r < rows; ++r) {
      const std::string time =
          repeating ? times[(r / 4) % times.size()] : std::to_string(600000000 + random() % 1000);
      const std::string job = jobs[random() % jobs.size()];
      text += time + ",," + job + "," + std::to_string(random() % 3) + ",4155527081,1,u,3,9," +
              (random() % 2 ? "0.03125" : "0.0312") + ",0.06763,,1\n";
    }
    if (random() % 2) text += "600000000,,6251812952,0,5,1,u,3,9,0.5,0.25,,1";  // no newline
    for (bool skip : {false, true}) {
      BadRowPolicy fused_policy, plain_policy;
      fused_policy.skip = plain_policy.skip = skip;
      RowBatch fused, plain;
      ClearBatch(fused, Table::kTaskEvents, 0);
      ClearBatch(plain, Table::kTaskEvents, 0);
      fused_parser.Parse(text.data(), text.data() + text.size(), 1, fused, fused_policy);
      plain_parser.ParsePlain(text.data(), text.data() + text.size(), 1, plain, plain_policy);
      ExpectSameBatches(fused, plain, kAllTaskColumns, 13);
      ASSERT_EQ(fused_policy.fatal.has_value(), plain_policy.fatal.has_value()) << text;
      if (fused_policy.fatal) {
        ASSERT_EQ(fused_policy.fatal->Describe(spec), plain_policy.fatal->Describe(spec));
      }
      ASSERT_EQ(fused_policy.skipped, plain_policy.skipped);
      bad_rows += static_cast<int>(fused_policy.skipped);
    }
  }
  EXPECT_GT(bad_rows, 0);  // the bad job id was met, after good ones
}

// The same on the real first shard of task_events, all columns.
// (Found by the fuzz target under UBSan: the column pass indexed its empty
// bounds' null data.)
TEST(BlockParser, AnEmptyBlockHasNoRows) {
  for (bool plain : {false, true}) {
    BadRowPolicy policy;
    RowBatch batch = ParseAll("", kAllTaskColumns, policy, plain);
    EXPECT_EQ(batch.size, 0u);
    EXPECT_FALSE(policy.fatal);
  }
}

// Blocks parsed into one batch, each column over all of a block's rows
// first: a block whose last row has a bad last field (found after every
// other column of the block was written) is parsed again row by row, and
// the rows before, in this block and the ones before, stay as they were.
TEST(BlockParser, ABadRowAfterWholeColumnsKeepsTheRowsBefore) {
  const std::string good =
      "5,,6251812952,17,6486632288,1,user,0,11,0.125,3.815e-05,0.0004244,1\n"
      "7,,6251812952,18,6486632289,2,user,0,11,0.25,,0.5,0\n";
  const std::string bad_last = "9,,6251812952,19,6486632290,3,user,0,11,0.5,0.25,0.5,7\n";
  const std::vector<std::string> blocks = {good, good + bad_last, good};
  for (bool skip : {false, true}) {
    SCOPED_TRACE(skip ? "skip" : "stop");
    BlockParser fused_parser(Table::kTaskEvents, kAllTaskColumns),
        plain_parser(Table::kTaskEvents, kAllTaskColumns);
    RowBatch fused, plain;
    ClearBatch(fused, Table::kTaskEvents, 0);
    ClearBatch(plain, Table::kTaskEvents, 0);
    BadRowPolicy fused_policy, plain_policy;
    fused_policy.skip = plain_policy.skip = skip;
    uint64_t fused_line = 1, plain_line = 1;
    for (const std::string& block : blocks) {
      if (fused_policy.fatal) break;
      fused_line += fused_parser.Parse(block.data(), block.data() + block.size(), fused_line, fused,
                                       fused_policy);
      plain_line += plain_parser.ParsePlain(block.data(), block.data() + block.size(), plain_line,
                                            plain, plain_policy);
    }
    ExpectSameBatches(fused, plain, kAllTaskColumns, 13);
    // Counted by hand: 2 good rows, 2 more before the bad one (line 5), and
    // when skipping it, 2 more after it.
    EXPECT_EQ(fused.size, skip ? 6u : 4u);
    EXPECT_EQ(fused_line, skip ? 8u : 5u);
    EXPECT_EQ(fused.line[3], 4u);
    EXPECT_EQ(fused.Value(kTaskIndex, 3), 18);
    EXPECT_EQ(fused.Value(kCpuRequest, 2), 125'000'000'000);
    ASSERT_EQ(fused_policy.fatal.has_value(), !skip);
    const BadRow& bad = skip ? fused_policy.examples.at(0) : *fused_policy.fatal;
    EXPECT_EQ(bad.line, 5u);
    EXPECT_EQ(bad.column, kDifferentMachinesRestriction);
    if (skip) {
      EXPECT_EQ(fused.line[5], 7u);
    }
  }
}

TEST(BlockParser, FusedEqualsPlainOnRealShard) {
  GzipReader reader((testing::kSampleDir / "task_events/part-00000-of-00500.csv.gz").string());
  std::string text;
  std::vector<char> buffer(1 << 16);
  while (size_t n = reader.Read(buffer.data(), buffer.size())) text.append(buffer.data(), n);
  BadRowPolicy fused_policy, plain_policy;
  RowBatch fused = ParseAll(text, kAllTaskColumns, fused_policy, false);
  RowBatch plain = ParseAll(text, kAllTaskColumns, plain_policy, true);
  EXPECT_FALSE(fused_policy.fatal);
  EXPECT_EQ(fused.size, 450146u);  // zcat ... | wc -l
  ExpectSameBatches(fused, plain, kAllTaskColumns, 13);
}

}  // namespace
}  // namespace borgscope
