// libFuzzer target: the block parser of every table, the fused (fast) path
// checked against the plain path on every row, value, text field and error.
//
// Input: byte 0 picks the table, bytes 1-4 the wanted columns, byte 5 the
// bad-row policy (skip or stop); the rest is the CSV text, copied into a
// buffer with ShardReader's padding behind it (filled with digits and commas,
// so that a path that read and used the padding would disagree).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/shard_reader.h"
#include "trace/block_parser.h"

namespace {

using namespace borgscope;

[[noreturn]] void Disagree(const std::string& what) {
  std::fprintf(stderr, "fused and plain paths disagree: %s\n", what.c_str());
  std::abort();
}

void Compare(const RowBatch& fused, const RowBatch& plain, const TableSpec& spec,
             ColumnMask wanted) {
  if (fused.size != plain.size) {
    Disagree("rows " + std::to_string(fused.size) + " vs " + std::to_string(plain.size));
  }
  for (size_t row = 0; row < fused.size; ++row) {
    if (fused.line[row] != plain.line[row]) Disagree("line of row " + std::to_string(row));
    for (int c = 0; c < static_cast<int>(spec.columns.size()); ++c) {
      if ((wanted & ColumnBit(c)) == 0) continue;
      const ColumnType type = spec.columns[c].type;
      const std::string where = "row " + std::to_string(row) + " column " + std::to_string(c);
      if (type == ColumnType::kStringHash || type == ColumnType::kStringHashOrInteger) {
        if (fused.text[c][row] != plain.text[c][row]) Disagree("text of " + where);
      } else if (fused.values[c][row] != plain.values[c][row]) {
        Disagree("value of " + where + ": " + std::to_string(fused.values[c][row]) + " vs " +
                 std::to_string(plain.values[c][row]));
      }
    }
  }
}

void Compare(const BadRowPolicy& fused, const BadRowPolicy& plain, const TableSpec& spec) {
  if (fused.fatal.has_value() != plain.fatal.has_value()) Disagree("one path stopped");
  if (fused.fatal && fused.fatal->Describe(spec) != plain.fatal->Describe(spec)) {
    Disagree("error '" + fused.fatal->Describe(spec) + "' vs '" + plain.fatal->Describe(spec) +
             "'");
  }
  if (fused.skipped != plain.skipped) Disagree("skipped rows");
  if (fused.examples.size() != plain.examples.size()) Disagree("skipped examples");
  for (size_t i = 0; i < fused.examples.size(); ++i) {
    if (fused.examples[i].Describe(spec) != plain.examples[i].Describe(spec)) {
      Disagree("skipped row '" + fused.examples[i].Describe(spec) + "' vs '" +
               plain.examples[i].Describe(spec) + "'");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 6) return 0;
  const Table table = kAllTables[data[0] % kAllTables.size()];
  const TableSpec& spec = Spec(table);
  ColumnMask wanted = 0;
  std::memcpy(&wanted, data + 1, sizeof(wanted));
  wanted &= (ColumnMask{1} << spec.columns.size()) - 1;
  const bool skip = (data[5] & 1) != 0;
  const size_t length = size - 6;

  static std::vector<char> buffer;
  buffer.assign(length + ShardReader::kPadding, '7');
  for (size_t i = length; i < buffer.size(); i += 3) buffer[i] = ',';
  std::memcpy(buffer.data(), data + 6, length);
  const char* begin = buffer.data();
  const char* end = begin + length;

  BlockParser fused_parser(table, wanted), plain_parser(table, wanted);
  // Fresh batches: a batch grows only the columns of the parser it was made for.
  RowBatch fused_batch, plain_batch;
  ClearBatch(fused_batch, table, 0);
  ClearBatch(plain_batch, table, 0);
  BadRowPolicy fused_policy, plain_policy;
  fused_policy.skip = plain_policy.skip = skip;
  const uint64_t fused_lines = fused_parser.Parse(begin, end, 1, fused_batch, fused_policy);
  const uint64_t plain_lines = plain_parser.ParsePlain(begin, end, 1, plain_batch, plain_policy);
  if (fused_lines != plain_lines) Disagree("lines consumed");
  Compare(fused_batch, plain_batch, spec, wanted);
  Compare(fused_policy, plain_policy, spec);
  return 0;
}
