#include "trace/field_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace borgscope {
namespace {

int64_t Fixed(std::string_view text) {
  int64_t value = 0;
  EXPECT_EQ(ParseFixed(text, value), FieldStatus::kOk) << text;
  return value;
}

TEST(ParseFixed, PlainDecimals) {
  EXPECT_EQ(Fixed("0.5"), 500'000'000'000);
  EXPECT_EQ(Fixed("0.2493"), 249'300'000'000);
  EXPECT_EQ(Fixed("1"), kFixedOne);
  EXPECT_EQ(Fixed("1.0"), kFixedOne);
  EXPECT_EQ(Fixed("0"), 0);
  EXPECT_EQ(Fixed(".25"), 250'000'000'000);
  EXPECT_EQ(Fixed("12."), 12 * kFixedOne);
  EXPECT_EQ(Fixed("-0.125"), -125'000'000'000);
  EXPECT_EQ(Fixed("0.000000000001"), 1);
}

TEST(ParseFixed, ScientificNotation) {
  EXPECT_EQ(Fixed("3.815e-05"), 38'150'000);  // 0.00003815
  EXPECT_EQ(Fixed("1E3"), 1000 * kFixedOne);
  EXPECT_EQ(Fixed("2.5e+1"), 25 * kFixedOne);
  EXPECT_EQ(Fixed("1e-12"), 1);
  EXPECT_EQ(Fixed("1e-30"), 0);
  EXPECT_EQ(Fixed("0e5"), 0);
}

TEST(ParseFixed, RoundsBeyondTwelveDecimals) {
  EXPECT_EQ(Fixed("0.0000000000004"), 0);
  EXPECT_EQ(Fixed("0.0000000000005"), 1);
  EXPECT_EQ(Fixed("1.23456789012345678901234"), 1'234'567'890'123);
  EXPECT_EQ(Fixed("5e-13"), 1);
}

// The integer fast path, eight digits at a time: every length up to 18 and
// beyond, a non-digit byte (the neighbours of '0'..'9' and bytes with the
// high bit) at every position, against ParseUnsigned.
TEST(ParseShortUnsigned, TakesUpToEighteenDigitsAsParseUnsignedDoes) {
  auto fast = [](const std::string& text, uint64_t& out) {
    return ParseShortUnsigned(text.data(), text.data() + text.size(), out);
  };
  for (size_t length = 0; length <= 20; ++length) {
    std::string text;
    for (size_t i = 0; i < length; ++i) text.push_back(static_cast<char>('0' + (i * 7 + 3) % 10));
    uint64_t value = 0;
    const bool taken = fast(text, value);
    EXPECT_EQ(taken, length >= 1 && length <= 18) << text;
    if (taken) {
      int64_t expected = -1;
      EXPECT_EQ(ParseUnsigned(text, expected), FieldStatus::kOk);
      EXPECT_EQ(value, static_cast<uint64_t>(expected)) << text;
    }
    for (size_t at = 0; at < length && length <= 18; ++at) {
      for (char bad :
           {'/', ':', ' ', '-', '.', static_cast<char>(0xb5), static_cast<char>(0x30 + 0x80)}) {
        std::string broken = text;
        broken[at] = bad;
        EXPECT_FALSE(fast(broken, value)) << length << " " << at;
      }
    }
  }
  uint64_t value = 0;
  EXPECT_TRUE(fast("999999999999999999", value));
  EXPECT_EQ(value, 999'999'999'999'999'999u);
  EXPECT_TRUE(fast("000000000000000007", value));
  EXPECT_EQ(value, 7u);
}

// With bytes readable beyond the field (a block's next fields), the shifted
// 8-byte reads: every length, a bad byte at every position, and every tail
// of junk after the field, as the reads within the field alone decide.
TEST(ParseShortUnsigned, ReadsBeyondTheFieldAsWithinIt) {
  for (size_t length = 0; length <= 20; ++length) {
    std::string digits;
    for (size_t i = 0; i < length; ++i) digits.push_back(static_cast<char>('0' + (i * 3 + 1) % 10));
    for (std::string_view after : {"", ",", ",123456789012345678", "\n9,x,0.5,,,,,,,,,,,,,,,,"}) {
      std::string block = digits + std::string(after);
      for (size_t at = 0; at <= length; ++at) {  // at == length: no bad byte
        std::string text = block;
        if (at < length) text[at] = at % 2 ? '.' : ':';
        const char* begin = text.data();
        const char* end = begin + length;
        uint64_t within = 0, beyond = 0;
        const bool taken_within = ParseShortUnsigned(begin, end, within);
        const bool taken_beyond = ParseShortUnsigned(begin, end, beyond, begin + text.size());
        ASSERT_EQ(taken_beyond, taken_within) << text << " " << length;
        ASSERT_EQ(taken_beyond, at == length && length >= 1 && length <= 18) << text;
        if (taken_beyond) {
          ASSERT_EQ(beyond, within) << text;
        }
      }
    }
  }
}

// The one- and two-digit path: every text of up to three bytes over digits and
// their neighbours ('/', ':', a byte with the high bit), against ParseUnsigned.
TEST(ParseOneOrTwoDigits, TakesOneOrTwoDigitsAsParseUnsignedDoes) {
  const std::string bytes = "0123456789/:\xb0";
  int taken_count = 0;
  auto check = [&](const std::string& text) {
    uint64_t value = 0;
    const bool taken = ParseOneOrTwoDigits(text.data(), text.data() + text.size(), value);
    int64_t expected = -1;
    const bool digits = ParseUnsigned(text, expected) == FieldStatus::kOk;
    ASSERT_EQ(taken, digits && text.size() <= 2) << text;
    if (taken) {
      ASSERT_EQ(value, static_cast<uint64_t>(expected)) << text;
      ++taken_count;
    }
  };
  check("");
  for (char a : bytes) {
    check(std::string{a});
    for (char b : bytes) {
      check(std::string{a, b});
      for (char c : bytes) check(std::string{a, b, c});
    }
  }
  EXPECT_EQ(taken_count, 10 + 100);
  uint64_t value = 0;
  const std::string row = "7,11,x";  // a field within its row
  ASSERT_TRUE(ParseOneOrTwoDigits(row.data() + 2, row.data() + 4, value));
  EXPECT_EQ(value, 11u);
  ASSERT_TRUE(ParseOneOrTwoDigits(row.data(), row.data() + 1, value));
  EXPECT_EQ(value, 7u);
}

TEST(ParseShortDecimal, ReadsBeyondTheFieldAsWithinIt) {
  for (int whole = 1; whole <= 7; ++whole) {
    for (int fraction = 0; fraction <= 13; ++fraction) {
      std::string text(static_cast<size_t>(whole), '3');
      if (fraction > 0) {
        text.push_back('.');
        for (int i = 0; i < fraction; ++i)
          text.push_back(static_cast<char>('0' + (i * 7 + 2) % 10));
      }
      const size_t length = text.size();
      for (std::string_view after : {"", ",", ",0.25,1,2", "9999999999999999999"}) {
        std::string block = text + std::string(after);
        const char* begin = block.data();
        int64_t within = -1, beyond = -2;
        const bool taken = ParseShortDecimal(begin, begin + length, within);
        ASSERT_EQ(ParseShortDecimal(begin, begin + length, beyond, begin + block.size()), taken)
            << block;
        ASSERT_EQ(taken, whole <= 6 && fraction <= 12) << block;
        if (taken) {
          ASSERT_EQ(beyond, within) << block;
          ASSERT_EQ(beyond, Fixed(text)) << block;
        }
      }
    }
  }
  // A bad byte in the fraction, with good digits beyond the field.
  const std::string block = "0.12:4,5678901234567";
  int64_t value = 0;
  EXPECT_FALSE(
      ParseShortDecimal(block.data(), block.data() + 6, value, block.data() + block.size()));
  EXPECT_TRUE(
      ParseShortDecimal(block.data(), block.data() + 4, value, block.data() + block.size()));
  EXPECT_EQ(value, 120'000'000'000);
}

// The fast path takes only what it decodes exactly, and gives ParseFixed's
// value; everything else is left to ParseFixed.
TEST(ParseShortDecimal, TakesShortDecimalsAsParseFixedDoes) {
  auto fast = [](std::string_view text, int64_t& out) {
    return ParseShortDecimal(text.data(), text.data() + text.size(), out);
  };
  for (std::string_view text : {"0", "7", "0.5", "0.0001183", "123456.123456789012", "999999.9",
                                "000001.000000000001", "0.02185", "10"}) {
    int64_t value = -1;
    EXPECT_TRUE(fast(text, value)) << text;
    EXPECT_EQ(value, Fixed(text)) << text;
  }
  for (std::string_view text :
       {"", ".", ".25", "12.", "-0.125", "+1", "1234567", "1234567.5", "0.0000000000001",
        "3.815e-05", "1E3", "1.2.3", "1,5", " 1", "1 ", "abc", "0x10"}) {
    int64_t value = -1;
    EXPECT_FALSE(fast(text, value)) << text;
  }
  // Every short shape around the limits, against ParseFixed.
  for (int whole = 1; whole <= 7; ++whole) {
    for (int fraction = 0; fraction <= 13; ++fraction) {
      std::string text = std::string(static_cast<size_t>(whole), '9');
      if (fraction > 0) {
        text.push_back('.');
        text.append(static_cast<size_t>(fraction), '7');
      }
      int64_t value = -1;
      const bool taken = fast(text, value);
      EXPECT_EQ(taken, whole <= 6 && fraction <= 12) << text;
      if (taken) {
        EXPECT_EQ(value, Fixed(text)) << text;
      }
    }
  }
}

TEST(ParseFixed, RejectsBadText) {
  int64_t value = 0;
  for (std::string_view bad :
       {"", "abc", "1.2.3", "1e", "e5", "-", ".", "1,5", "0x10", " 1", "1 "}) {
    EXPECT_EQ(ParseFixed(bad, value), FieldStatus::kBadNumber) << "'" << bad << "'";
  }
  EXPECT_EQ(ParseFixed("1e10", value), FieldStatus::kOutOfRange);  // 1e22 units
  EXPECT_EQ(ParseFixed("9223373", value), FieldStatus::kOutOfRange);
  EXPECT_EQ(ParseFixed("9223372", value), FieldStatus::kOk);
}

TEST(ParseUnsigned, SixtyFourBitValues) {
  int64_t value = 0;
  ASSERT_EQ(ParseUnsigned("6486632288", value), FieldStatus::kOk);  // machine id > 2^32
  EXPECT_EQ(value, 6'486'632'288);
  ASSERT_EQ(ParseUnsigned("9223372036854775807", value), FieldStatus::kOk);  // 2^63-1
  EXPECT_EQ(value, kTimeAfterWindow);
  EXPECT_EQ(ParseUnsigned("9223372036854775808", value), FieldStatus::kOutOfRange);
  EXPECT_EQ(ParseUnsigned("18446744073709551616", value), FieldStatus::kOutOfRange);
  EXPECT_EQ(ParseUnsigned("-1", value), FieldStatus::kBadNumber);
  EXPECT_EQ(ParseUnsigned("1.5", value), FieldStatus::kBadNumber);
  EXPECT_EQ(ParseUnsigned("", value), FieldStatus::kBadNumber);
}

TEST(ParseField, PerColumnType) {
  const TableSpec& task = Spec(Table::kTaskEvents);
  int64_t value = 0;
  // Optional empty -> kNull; mandatory empty -> error.
  EXPECT_EQ(ParseField(task.columns[task_events::kMachineId], "", value), FieldStatus::kOk);
  EXPECT_EQ(value, kNull);
  EXPECT_EQ(ParseField(task.columns[task_events::kJobId], "", value), FieldStatus::kEmptyMandatory);
  // Enums: event_type 0..8.
  EXPECT_EQ(ParseField(task.columns[task_events::kEventType], "8", value), FieldStatus::kOk);
  EXPECT_EQ(value, 8);
  EXPECT_EQ(ParseField(task.columns[task_events::kEventType], "9", value), FieldStatus::kBadEnum);
  EXPECT_EQ(ParseField(task.columns[task_events::kEventType], "99999999999999999999", value),
            FieldStatus::kBadEnum);
  // Booleans.
  EXPECT_EQ(ParseField(task.columns[task_events::kDifferentMachinesRestriction], "1", value),
            FieldStatus::kOk);
  EXPECT_EQ(ParseField(task.columns[task_events::kDifferentMachinesRestriction], "2", value),
            FieldStatus::kBadEnum);
  // Floats.
  EXPECT_EQ(ParseField(task.columns[task_events::kCpuRequest], "0.125", value), FieldStatus::kOk);
  EXPECT_EQ(value, 125'000'000'000);
  // Strings are not decoded.
  EXPECT_EQ(ParseField(task.columns[task_events::kUser], "70s3v5qR=", value), FieldStatus::kOk);
  EXPECT_EQ(value, kNull);
}

TEST(Schema, MatchesGoogleSchemaCounts) {
  EXPECT_EQ(Spec(Table::kMachineEvents).columns.size(), 6u);
  EXPECT_EQ(Spec(Table::kMachineAttributes).columns.size(), 5u);
  EXPECT_EQ(Spec(Table::kJobEvents).columns.size(), 8u);
  EXPECT_EQ(Spec(Table::kTaskEvents).columns.size(), 13u);
  EXPECT_EQ(Spec(Table::kTaskConstraints).columns.size(), 6u);
  EXPECT_EQ(Spec(Table::kTaskUsage).columns.size(), 20u);
  EXPECT_EQ(TableFromName("task_usage"), Table::kTaskUsage);
  EXPECT_EQ(TableFromName("nope"), std::nullopt);
  EXPECT_EQ(EventTypeName(2), "EVICT");
  EXPECT_EQ(EventTypeName(8), "UPDATE_RUNNING");
}

}  // namespace
}  // namespace borgscope
