// The stream's pieces with literal data: message format, de-duplication set,
// counting state (consume / merge / serialize), checkpoint file, latency
// histogram and the Prometheus page.

#include "stream/stream_state.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <random>

#include "errors.h"
#include "stream/checkpoint.h"
#include "stream/event_message.h"
#include "stream/latency_histogram.h"
#include "stream/metrics_page.h"
#include "stream/seen_lines.h"
#include "stream/stream_processor.h"
#include "test_support.h"

namespace borgscope {
namespace {

std::vector<std::string_view> Split(std::string_view line) {
  std::vector<std::string_view> fields;
  for (size_t start = 0;;) {
    size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == line.npos ? line.npos : comma - start));
    if (comma == line.npos) return fields;
    start = comma + 1;
  }
}

TEST(EventMessageTest, JsonOfATaskEventRow) {
  const std::string line = "5611824441,,6251812952,1761,1094153,1,7oSJ/+=,0,2,0.01562,3.815e-05,,0";
  std::string json;
  AppendEventJson(Table::kTaskEvents, Split(line), json);
  EXPECT_EQ(json,
            "{\"time\":5611824441,\"missing_info\":null,\"job_id\":6251812952,\"task_index\":1761,"
            "\"machine_id\":1094153,\"event_type\":1,\"user\":\"7oSJ/+=\",\"scheduling_class\":0,"
            "\"priority\":2,\"cpu_request\":0.01562,\"memory_request\":3.815e-05,"
            "\"disk_request\":null,\"different_machines_restriction\":0}");
  std::optional<EventFields> fields = DecodeEvent(Table::kTaskEvents, json);
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->time, 5611824441);
  EXPECT_EQ(fields->scheduling_class, 0);
  EXPECT_EQ(fields->event_type, 1);
  // The same from the raw CSV line (--format csv).
  fields = DecodeEvent(Table::kTaskEvents, line);
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->event_type, 1);
}

TEST(EventMessageTest, NumbersJsonCannotHoldBecomeStrings) {
  std::string json;
  AppendEventJson(Table::kJobEvents, Split("0,,7,0,u\"x,,.5,007"), json);
  EXPECT_EQ(json,
            "{\"time\":0,\"missing_info\":null,\"job_id\":7,\"event_type\":0,\"user\":\"u\\\"x\","
            "\"scheduling_class\":null,\"job_name\":\".5\",\"logical_job_name\":\"007\"}");
  std::optional<EventFields> fields = DecodeEvent(Table::kJobEvents, json);
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->scheduling_class, kNull);
}

TEST(EventMessageTest, MalformedValuesAreRejected) {
  EXPECT_FALSE(DecodeEvent(Table::kJobEvents, ""));
  EXPECT_FALSE(DecodeEvent(Table::kJobEvents, "{\"time\":1}"));                   // no type
  EXPECT_FALSE(DecodeEvent(Table::kJobEvents, "{\"time\":1,\"event_type\":9}"));  // enum
  EXPECT_FALSE(DecodeEvent(Table::kJobEvents, "{\"time\":1,\"event_type\":1"));   // cut
  EXPECT_FALSE(DecodeEvent(Table::kJobEvents, "1,,2,3,u,0,n"));                   // 7 columns
  EXPECT_TRUE(DecodeEvent(Table::kJobEvents, " { \"event_type\" : 4 , \"time\" : 1 } "));
}

TEST(EventMessageTest, SourcePositionRoundTrips) {
  SourcePosition source{Table::kJobEvents, 17, 123456789};
  EXPECT_EQ(FormatSource(source), "job_events:17:123456789");
  EXPECT_EQ(ParseSource("job_events:17:123456789"), source);
  EXPECT_FALSE(ParseSource("machine_events:0:1"));
  EXPECT_FALSE(ParseSource("task_events:0"));
  EXPECT_FALSE(ParseSource("task_events:x:1"));
  EXPECT_EQ(TableOfTopic("task-events"), Table::kTaskEvents);
  EXPECT_EQ(TopicOf(Table::kJobEvents), "job-events");
}

TEST(SeenLinesTest, DuplicatesInAnyOrderAreFound) {
  SeenLines seen;
  // Retried batch B (lines 101..200) lands before and after batch A (1..100).
  for (uint64_t line = 101; line <= 200; ++line) EXPECT_TRUE(seen.Insert(line));
  for (uint64_t line = 1; line <= 100; ++line) EXPECT_TRUE(seen.Insert(line));
  for (uint64_t line = 101; line <= 200; ++line) EXPECT_FALSE(seen.Insert(line));
  EXPECT_EQ(seen.contiguous(), 200u);
  EXPECT_FALSE(seen.Contains(201));
  EXPECT_FALSE(seen.Insert(0));  // lines are 1-based
}

// Lines 1..199 and 201..300 seen (200 missing): 199 contiguous, 100 after the gap.
TEST(SeenLinesTest, GapIsLocated) {
  SeenLines seen;
  for (uint64_t line = 300; line >= 1; --line) {
    if (line != 200) seen.Insert(line);
  }
  EXPECT_EQ(seen.contiguous(), 199u);
  EXPECT_EQ(seen.counted_after_contiguous(), 100u);
  seen.Insert(200);
  EXPECT_EQ(seen.contiguous(), 300u);
  EXPECT_EQ(seen.counted_after_contiguous(), 0u);
}

TEST(SeenLinesTest, MergeIsAUnionAndSerializationRoundTrips) {
  std::vector<uint64_t> lines(5000);
  std::iota(lines.begin(), lines.end(), 1);
  std::shuffle(lines.begin(), lines.end(), std::mt19937(7));
  SeenLines a, b;
  for (size_t i = 0; i < lines.size(); ++i) (i % 3 == 0 ? a : b).Insert(lines[i]);
  a.Merge(b);
  EXPECT_EQ(a.contiguous(), 5000u);
  WireWriter out;
  b.Serialize(out);
  SeenLines copy;
  WireReader in(out.bytes());
  copy.Deserialize(in);
  for (uint64_t line = 1; line <= 5001; ++line) EXPECT_EQ(copy.Contains(line), b.Contains(line));
}

EventFields Event(int64_t time, int64_t klass, int64_t type) { return {time, klass, type}; }

TEST(StreamStateTest, CountsTotalsWindowsAndDropsDuplicates) {
  StreamState state(3'600'000'000);
  const SourcePosition first{Table::kTaskEvents, 0, 1}, second{Table::kTaskEvents, 0, 2};
  EXPECT_TRUE(state.Consume(Table::kTaskEvents, Event(0, 0, 0), first));
  EXPECT_TRUE(state.Consume(Table::kTaskEvents, Event(3'600'000'000, 0, 0), second));
  EXPECT_FALSE(state.Consume(Table::kTaskEvents, Event(0, 0, 0), first));  // duplicate
  EXPECT_TRUE(state.Consume(Table::kJobEvents, Event(kTimeAfterWindow, kNull, 4), std::nullopt));
  EXPECT_EQ(state.counted(), 3u);
  EXPECT_EQ(state.duplicates(), 1u);
  EXPECT_EQ((state.totals().at({Table::kTaskEvents, 0, 0})), 2u);
  EXPECT_EQ((state.totals().at({Table::kJobEvents, kNull, 4})), 1u);
  ASSERT_EQ(state.windows().size(), 2u);  // after-the-window times are in totals only
  EXPECT_EQ(state.LatestClosedWindow(), 0);
}

TEST(StreamStateTest, MergeOfSplitInputEqualsWholeAndSerializationRoundTrips) {
  StreamState whole(600'000'000), left(600'000'000), right(600'000'000);
  for (uint64_t line = 1; line <= 1000; ++line) {
    const EventFields fields = Event(static_cast<int64_t>(line) * 7'000'000, line % 4, line % 9);
    const SourcePosition source{Table::kTaskEvents, 3, line};
    whole.Consume(Table::kTaskEvents, fields, source);
    (line % 2 ? left : right).Consume(Table::kTaskEvents, fields, source);
  }
  left.Merge(right);
  WireWriter a, b;
  whole.Serialize(a);
  StreamState copy(600'000'000);
  WireReader in(a.bytes());
  copy.Deserialize(in);
  EXPECT_TRUE(in.AtEnd());
  EXPECT_EQ(copy.totals(), whole.totals());
  EXPECT_EQ(left.totals(), whole.totals());
  EXPECT_EQ(left.windows(), whole.windows());
  EXPECT_EQ(left.counted(), 1000u);
  // The merged de-duplication set knows every line.
  EXPECT_FALSE(
      left.Consume(Table::kTaskEvents, Event(0, 0, 0), SourcePosition{Table::kTaskEvents, 3, 500}));
}

TEST(StreamStateTest, WindowParsing) {
  EXPECT_EQ(ParseWindowMicros("1h"), 3'600'000'000);
  EXPECT_EQ(ParseWindowMicros("10m"), 600'000'000);
  EXPECT_EQ(ParseWindowMicros("90"), 90'000'000);
  EXPECT_EQ(ParseWindowMicros("1d"), 86'400'000'000);
  EXPECT_THROW(ParseWindowMicros("0h"), UsageError);
  EXPECT_THROW(ParseWindowMicros("1w"), UsageError);
  EXPECT_THROW(ParseWindowMicros(""), UsageError);
}

// A checkpoint that exists but cannot be read is an error naming it, never
// "no checkpoint" (the stream would count from zero and overwrite it).
TEST(CheckpointTest, UnreadableCheckpointIsAnIoError) {
  testing::TempDir dir;
  const std::string path = CheckpointPath(dir.path().string());
  std::filesystem::create_directories(path);  // a folder where the file should be
  try {
    ReadCheckpoint(dir.path().string());
    FAIL() << "no error";
  } catch (const IoError& error) {
    EXPECT_EQ(std::string(error.what()), "cannot read checkpoint " + path + ": Is a directory");
  }
  std::filesystem::remove(path);

  // Permission denied: read by user nobody in a child process (we run as root).
  WriteCheckpoint(dir.path().string(), Checkpoint{"state", {}});
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 3;
    if (setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0) {
      try {
        ReadCheckpoint(dir.path().string());
        code = 1;  // read as if allowed, or seen as absent
      } catch (const IoError& error) {
        code = std::string(error.what()) == "cannot read checkpoint " + path + ": Permission denied"
                   ? 0
                   : 2;
      } catch (...) {
        code = 2;
      }
    }
    _exit(code);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no error, 2: another error, 3: cannot become nobody";
}

TEST(CheckpointTest, RoundTripsAndDetectsDamage) {
  testing::TempDir dir;
  EXPECT_FALSE(ReadCheckpoint(dir.path().string()));
  Checkpoint checkpoint{"state bytes", {{{"task-events", 3}, 42}, {{"job-events", 0}, 7}}};
  WriteCheckpoint(dir.path().string(), checkpoint);
  std::optional<Checkpoint> read = ReadCheckpoint(dir.path().string());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->state, "state bytes");
  EXPECT_EQ(read->offsets, checkpoint.offsets);
  EXPECT_FALSE(std::filesystem::exists(CheckpointPath(dir.path().string()) + ".tmp"));

  std::string bytes = testing::ReadText(CheckpointPath(dir.path().string()));
  bytes[10] ^= 1;
  testing::WriteBytes(CheckpointPath(dir.path().string()), bytes);
  EXPECT_THROW(ReadCheckpoint(dir.path().string()), DataError);
}

TEST(LatencyHistogramTest, QuantilesAndPrometheusBuckets) {
  LatencyHistogram histogram;
  for (int i = 0; i < 98; ++i) histogram.Observe(3'000);  // 3 ms
  histogram.Observe(1'500'000);                           // 1.5 s
  histogram.Observe(-5);                                  // clock skew: 0
  EXPECT_EQ(histogram.count(), 100u);
  EXPECT_DOUBLE_EQ(histogram.Quantile(0.5), 0.004);
  EXPECT_DOUBLE_EQ(histogram.Quantile(0.99), 0.004);
  EXPECT_DOUBLE_EQ(histogram.Quantile(1.0), 1.501);
  EXPECT_EQ(histogram.CountAtMost(0.005), 99u);
  EXPECT_EQ(histogram.CountAtMost(2), 100u);
}

TEST(MetricsPageTest, PrometheusTextHasEveryMetric) {
  StreamState state(3'600'000'000);
  state.Consume(Table::kJobEvents, Event(5, 2, 0), SourcePosition{Table::kJobEvents, 0, 1});
  state.Consume(Table::kJobEvents, Event(4'000'000'000, 2, 0),
                SourcePosition{Table::kJobEvents, 0, 2});
  state.Consume(Table::kJobEvents, Event(5, 2, 0), SourcePosition{Table::kJobEvents, 0, 1});
  LiveStats stats;
  stats.lag[{"task-events", 3}] = 12;
  stats.latency.Observe(20'000);
  const std::string page = RenderPrometheus(state, stats);
  for (const char* line :
       {"# TYPE borgscope_events_total counter\n",
        "borgscope_events_total{table=\"job_events\",scheduling_class=\"2\",event_type=\"SUBMIT\"} "
        "2\n",
        "borgscope_window_events{table=\"job_events\",scheduling_class=\"2\",event_type=\"SUBMIT\"}"
        " 1\n",
        "borgscope_consumer_lag{topic=\"task-events\",partition=\"3\"} 12\n",
        "borgscope_duplicates_dropped_total 1\n",
        "borgscope_event_latency_seconds_bucket{le=\"0.025\"} 1\n",
        "borgscope_event_latency_seconds_bucket{le=\"+Inf\"} 1\n",
        "borgscope_event_latency_seconds_count 1\n", "borgscope_events_per_second 0.0\n"}) {
    EXPECT_NE(page.find(line), std::string::npos) << line << "\nin\n" << page;
  }
  const std::string json = RenderCountsJson(state, stats);
  EXPECT_NE(json.find("\"events\":2"), std::string::npos) << json;
}

}  // namespace
}  // namespace borgscope
