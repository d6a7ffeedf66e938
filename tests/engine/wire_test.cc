// WireWriter / WireReader (engine/wire.h): values written across many buffer
// growths read back in order, patched counts, a writer reused after Take, and
// room made ahead of writes.

#include "engine/wire.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace borgscope {
namespace {

TEST(Wire, ValuesReadBackAcrossBufferGrowth) {
  WireWriter out;
  const size_t count_at = out.Reserve<uint64_t>();
  for (int64_t i = 0; i < 100'000; ++i) {
    out.Put<int64_t>(i * 7 - 3);
    out.Put<uint8_t>(static_cast<uint8_t>(i));
    out.Put<__int128>(static_cast<__int128>(i) << 70);
  }
  out.Patch<uint64_t>(count_at, 100'000);
  const std::vector<uint32_t> array = {1, 2, 3};
  out.PutArray(std::span<const uint32_t>(array));
  out.PutBytes("tail");
  EXPECT_EQ(out.bytes().size(), 8 + 100'000 * (8 + 1 + 16) + 8 + 12 + 8 + 4);

  const std::string bytes = out.Take();
  WireReader in(bytes);
  ASSERT_EQ(in.Get<uint64_t>(), 100'000u);
  for (int64_t i = 0; i < 100'000; ++i) {
    ASSERT_EQ(in.Get<int64_t>(), i * 7 - 3);
    ASSERT_EQ(in.Get<uint8_t>(), static_cast<uint8_t>(i));
    ASSERT_TRUE(in.Get<__int128>() == static_cast<__int128>(i) << 70);
  }
  std::vector<uint32_t> read_array = {9};
  in.GetArray(read_array);
  EXPECT_EQ(read_array, (std::vector<uint32_t>{9, 1, 2, 3}));
  EXPECT_EQ(in.GetBytes(), "tail");
  EXPECT_TRUE(in.AtEnd());
  EXPECT_THROW(in.Get<uint8_t>(), InternalError);
}

TEST(Wire, EmptyArrayIntoAnEmptyVector) {
  WireWriter out;
  out.PutArray(std::span<const uint64_t>());
  const std::string bytes = out.Take();
  WireReader in(bytes);
  std::vector<uint64_t> values;  // data() is null: nothing may be copied into it
  in.GetArray(values);
  EXPECT_TRUE(values.empty());
  EXPECT_TRUE(in.AtEnd());
}

TEST(Wire, WriterStartsOverAfterTake) {
  WireWriter out;
  out.Put<uint32_t>(1);
  EXPECT_EQ(out.Take().size(), 4u);
  out.Put<uint16_t>(2);
  const std::string second = out.Take();
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(WireReader(second).Get<uint16_t>(), 2);
}

TEST(Wire, WritesWithinMadeRoomStayInOneBuffer) {
  WireWriter out;
  out.Put<uint8_t>(1);
  out.MakeRoom(1000);
  const char* buffer = out.bytes().data();
  for (int i = 0; i < 100; ++i) out.Put<uint64_t>(i);
  EXPECT_EQ(out.bytes().data(), buffer);  // no reallocation: the room was there
  out.MakeRoom(200);                      // what is left: nothing changes
  for (int i = 100; i < 125; ++i) out.Put<uint64_t>(i);
  EXPECT_EQ(out.bytes().data(), buffer);
  out.Put<uint32_t>(7);  // past the room: grows, keeping what was written
  const std::string bytes = out.Take();
  ASSERT_EQ(bytes.size(), 1u + 1000 + 4);
  WireReader in(bytes);
  EXPECT_EQ(in.Get<uint8_t>(), 1);
  for (int i = 0; i < 125; ++i) ASSERT_EQ(in.Get<uint64_t>(), static_cast<uint64_t>(i));
  EXPECT_EQ(in.Get<uint32_t>(), 7u);
}

}  // namespace
}  // namespace borgscope
