#pragma once
// The fused field scanner: whole lines of one shard -> RowBatch.
//
// Pre: [begin, end) holds whole lines, each ended by '\n' except possibly the
// very last line of a shard. A trailing '\r' is dropped. Stage 1 lists the
// block's newlines and delimiters (DelimiterIndex); stage 2 checks that every
// row has the table's column count (each row's last delimiter is its
// newline: field c of row n then lies between delimiters nC + c - 1 and
// nC + c); stage 3 decodes the wanted fields a column at a time over the
// block's rows (one field's checks and decoder in a loop). Post: every good
// row is appended to the batch with only the wanted columns decoded; no
// memory is allocated per row (the batch grows to the largest block and
// stays). A bad row (wrong column count, bad number, bad enum, empty
// mandatory field) sends the block to a row-by-row pass, which hands it to
// the BadRowPolicy: that either stops the block or skips the row.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trace/delimiter_index.h"
#include "trace/field_parser.h"
#include "trace/row_batch.h"
#include "trace/schema.h"

namespace borgscope {

enum class RowProblem : uint8_t {
  kField,  // see field_status
  kTooFewColumns,
  kTooManyColumns,
};

struct BadRow {
  uint64_t line = 0;
  int column = -1;  // 0-based; for a wrong column count, the column count found
  RowProblem problem = RowProblem::kField;
  FieldStatus field_status = FieldStatus::kOk;
  std::string field_text;  // the offending field, when there is one
  std::string row_text;    // the row, cut to 200 bytes
  // "line 12, column 5 (event_type): value outside the column's enum: '9'"
  std::string Describe(const TableSpec& spec) const;
};

// What to do with bad rows: stop at the first (the default) or skip and count.
struct BadRowPolicy {
  static constexpr size_t kExamplesKept = 5;
  bool skip = false;
  uint64_t skipped = 0;
  std::vector<BadRow> examples;  // the first few skipped rows
  std::optional<BadRow> fatal;   // set when !skip and a bad row was met
};

class BlockParser {
 public:
  BlockParser(Table table, ColumnMask wanted);

  // Parses the lines in [begin, end), numbered from first_line, appending to
  // `batch` (which it does not clear). Returns the number of lines consumed;
  // when the policy stops at a bad row, that row is not counted and
  // policy.fatal is set.
  uint64_t Parse(const char* begin, const char* end, uint64_t first_line, RowBatch& batch,
                 BadRowPolicy& policy);

  // The plain path: split with string_view::find and decode every wanted
  // field with ParseField. Same contract; tests prove both give equal batches.
  uint64_t ParsePlain(const char* begin, const char* end, uint64_t first_line, RowBatch& batch,
                      BadRowPolicy& policy);

  const TableSpec& spec() const { return spec_; }
  ColumnMask wanted() const { return wanted_; }

 private:
  void EnsureCapacity(RowBatch& batch, size_t rows);
  // The fast pass over a block whose rows are all good: the rows' column
  // counts first, then each wanted column over all rows. False, with the batch's
  // size unchanged, at the first bad row: ParseRows then parses the block
  // (and knows which row comes first and what to say of it).
  bool ParseColumns(const char* begin, const char* end, uint64_t first_line, RowBatch& batch);
  // Row by row, with the policy for bad rows (Parse's contract).
  uint64_t ParseRows(const char* begin, const char* end, uint64_t first_line, RowBatch& batch,
                     BadRowPolicy& policy);
  // Decodes the wanted fields of a row: field c lies between offsets
  // bounds[c] and bounds[c + 1] of `block` (the delimiter before the row,
  // then its own); returns false and fills `bad` when one is bad.
  bool DecodeRow(const uint32_t* bounds, const char* block, const char* row_end, size_t row,
                 RowBatch& batch, BadRow& bad);
  bool HandleBadRow(BadRow&& bad, const char* row_begin, const char* row_end, BadRowPolicy& policy);

  const TableSpec& spec_;
  ColumnMask wanted_;
  int column_count_;
  // A number field's bytes and value in the last row that decoded it: the
  // same bytes again give the same value without decoding (files sorted by
  // time repeat their time and job columns row after row). For fields of
  // kMinLength bytes or more (shorter ones decode as fast as they compare);
  // checked in a block where it paid in the block before, else on every 8th
  // row only, to find out.
  struct RepeatedField {
    static constexpr size_t kMinLength = 5, kMaxLength = 16;
    uint64_t words[2] = {};  // the bytes, zero beyond `length`
    uint64_t masks[2] = {};  // the bytes of `length`
    size_t length = kMaxLength + 1;
    int64_t value = 0;
    bool check = true;  // in this block, on every row
    uint32_t hits = 0, tries = 0;

    bool Same(const char* p, size_t field_length) const;
    void Remember(const char* p, size_t field_length, int64_t decoded);
    void StartBlock();
  };
  // The wanted columns, in order, with how each is decoded.
  struct WantedField {
    enum Kind : uint8_t { kUnsigned, kDecimal, kText, kOther };
    int column = 0;
    bool last = false;       // the row's last column: it ends at the row's end
    bool mandatory = false;  // kText: empty is a bad row
    Kind kind = kOther;
    uint64_t max = 0;      // kUnsigned: largest value (an enum's)
    RepeatedField repeat;  // every kind but kText
  };
  // One number field of kind kKind (not kText) into `value`, looked for
  // first among the bytes it had last when `may_repeat`; false with
  // `status` when bad.
  // f.template operator()<kind>() for a number field's kind (kText has no
  // decoder): DecodeNumber is a template on it, chosen once per column by
  // ParseColumns and once per field by DecodeRow.
  template <typename F>
  static bool WithNumberKind(WantedField::Kind kind, F&& f) {
    switch (kind) {
      case WantedField::kUnsigned:
        return f.template operator()<WantedField::kUnsigned>();
      case WantedField::kDecimal:
        return f.template operator()<WantedField::kDecimal>();
      default:
        return f.template operator()<WantedField::kOther>();
    }
  }
  template <WantedField::Kind kKind>
  bool DecodeNumber(WantedField& wanted, const char* field_begin, const char* field_end,
                    bool may_repeat, int64_t& value, FieldStatus& status);
  std::vector<WantedField> plan_;
  const char* readable_end_ = nullptr;  // the block being parsed ends here
  DelimiterIndex index_;
  // Where ParseColumns' rows end (before a '\r').
  std::vector<uint32_t> row_ends_;
};

// Resets a batch for a new block (keeps its memory).
void ClearBatch(RowBatch& batch, Table table, uint32_t shard);

}  // namespace borgscope
