// End to end: the real sample shards through replay -> Kafka (embedded broker)
// -> stream, whose borgscope_events_total must equal the rows of the shards
// per (table, class, event type), counted independently, and q3's batch
// answer — also when the stream is killed with SIGKILL mid-way and when the
// broker fails requests and loses a broker for a while.

#include <librdkafka/rdkafka.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "stream/embedded_broker.h"
#include "stream_test_support.h"

namespace borgscope::testing {
namespace {

class StreamPipelineTest : public ::testing::Test {
 protected:
  // Starts `borgscope stream` on a free port; sets *port.
  std::unique_ptr<ChildProcess> StartStream(const std::string& brokers, const std::string& log,
                                            int* port, const std::string& checkpoint = "") {
    std::vector<std::string> arguments = {"stream",
                                          "--brokers",
                                          brokers,
                                          "--group",
                                          "test-" + std::to_string(getpid()),
                                          "--metrics-addr",
                                          "127.0.0.1:0",
                                          "--session-timeout-ms",
                                          "6000",
                                          "--checkpoint-interval",
                                          "0.5"};
    if (!checkpoint.empty()) {
      arguments.push_back("--checkpoint");
      arguments.push_back(checkpoint);
    }
    auto stream = std::make_unique<ChildProcess>(arguments, dir_.path() / log);
    std::optional<std::string> found =
        stream->WaitForNumberAfter("dashboard http://127.0.0.1:", Seconds(30));
    EXPECT_TRUE(found) << stream->Output();
    *port = found ? std::stoi(*found) : 0;
    return stream;
  }

  // The embedded broker keeps ~5 MiB per partition and drops the oldest
  // messages beyond that; the sample's largest job (46037 events, one key, so
  // one partition) comes near it in JSON when a slowed-down test lets the
  // stream fall behind. The fault tests send CSV lines (a third of the bytes),
  // and every test asserts that the stream saw no such gap.
  std::unique_ptr<ChildProcess> StartReplay(const std::string& brokers,
                                            const std::string& rate = "0",
                                            const std::string& format = "json",
                                            std::vector<std::string> extra = {}) {
    std::vector<std::string> arguments = {
        "replay", "--trace", kSampleDir.string(), "--brokers", brokers, "--speed", "0",
        "--rate", rate,      "--format",          format,      "-q"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return std::make_unique<ChildProcess>(arguments, dir_.path() / "replay.log");
  }

  static uint64_t Counted(int port) {
    std::optional<std::string> page = HttpGet(port, "/metrics");
    return page ? Sum(ParseEventsTotal(*page)) : 0;
  }

  // Waits until the stream has counted the whole sample; returns its totals.
  static CountMap WaitForAll(int port, Seconds timeout) {
    WaitUntil([port] { return Counted(port) >= kSampleEvents; }, timeout);
    std::optional<std::string> page = HttpGet(port, "/metrics");
    return page ? ParseEventsTotal(*page) : CountMap{};
  }

  // Per source, the lines counted without a gap (for failure messages).
  static std::string Sources(int port) {
    std::optional<std::string> page = HttpGet(port, "/api/counts");
    return page ? nlohmann::json::parse(*page)["sources"].dump() : "(no /api/counts)";
  }

  static uint64_t MetricValue(int port, const std::string& name) {
    std::optional<std::string> page = HttpGet(port, "/metrics");
    return page ? static_cast<uint64_t>(SampleValue(*page, name)) : 0;
  }

  TempDir dir_;
};

TEST_F(StreamPipelineTest, ReplayThroughBrokerCommandEqualsRowsAndQ3) {
  const std::string bootstrap_file = (dir_.path() / "bootstrap.txt").string();
  ChildProcess broker({"broker", "--partitions", "64", "--bootstrap-file", bootstrap_file},
                      dir_.path() / "broker.log");
  ASSERT_TRUE(WaitUntil([&] { return std::filesystem::exists(bootstrap_file); }, Seconds(20)))
      << broker.Output();
  std::string brokers = ReadText(bootstrap_file);
  brokers.erase(brokers.find_last_not_of("\n") + 1);
  ASSERT_NE(brokers.find("127.0.0.1:"), std::string::npos);

  int port = 0;
  auto stream = StartStream(brokers, "stream.log", &port, (dir_.path() / "checkpoint").string());
  auto replay = StartReplay(brokers);
  EXPECT_EQ(replay->Wait(Seconds(180)), 0) << replay->Output();
  EXPECT_NE(replay->Output().find("460850 delivered, 0 failed, 0 undelivered"), std::string::npos)
      << replay->Output();

  CountMap totals = WaitForAll(port, Seconds(120));
  EXPECT_EQ(MetricValue(port, "borgscope_messages_missed_total"), 0u);
  EXPECT_EQ(Sum(totals), kSampleEvents);
  EXPECT_EQ(totals, SampleCounts()) << CountDifferences(totals, SampleCounts()) << Sources(port);
  EXPECT_EQ(totals, BatchQ3Counts());

  // Graceful stop: exit 0 with a final checkpoint.
  stream->Kill(SIGTERM);
  EXPECT_EQ(stream->Wait(Seconds(30)), 0) << stream->Output();
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "checkpoint" / "stream.checkpoint"));
}

TEST_F(StreamPipelineTest, StreamKilledMidwayResumesWithoutLossOrDoubleCount) {
  BrokerOptions options;
  options.partitions = 64;
  EmbeddedBroker broker(options);
  const std::string checkpoint = (dir_.path() / "checkpoint").string();

  int port = 0;
  auto first = StartStream(broker.bootstrap(), "stream-1.log", &port, checkpoint);
  auto replay = StartReplay(broker.bootstrap(), "60000", "csv");
  ASSERT_TRUE(WaitUntil([port] { return Counted(port) >= 100'000; }, Seconds(120)))
      << first->Output();
  first->Kill(SIGKILL);
  const uint64_t checkpoints_before_kill = std::filesystem::exists(checkpoint) ? 1 : 0;
  EXPECT_EQ(checkpoints_before_kill, 1u);

  auto second = StartStream(broker.bootstrap(), "stream-2.log", &port, checkpoint);
  EXPECT_NE(second->Output().find("resumed from"), std::string::npos) << second->Output();
  EXPECT_EQ(replay->Wait(Seconds(180)), 0) << replay->Output();
  CountMap totals = WaitForAll(port, Seconds(120));
  EXPECT_EQ(MetricValue(port, "borgscope_messages_missed_total"), 0u);
  EXPECT_EQ(Sum(totals), kSampleEvents);
  EXPECT_EQ(totals, SampleCounts()) << CountDifferences(totals, SampleCounts()) << Sources(port);
  second->Kill(SIGTERM);
  EXPECT_EQ(second->Wait(Seconds(30)), 0) << second->Output();
}

TEST_F(StreamPipelineTest, BrokerErrorsAndOutageAreDeduplicated) {
  BrokerOptions options;
  options.partitions = 64;
  EmbeddedBroker broker(options);
  int port = 0;
  auto stream = StartStream(broker.bootstrap(), "stream.log", &port);
  // One produce request in flight per connection: the mock acks a retried
  // request whose sequence lies within its last five as a duplicate without
  // writing it (rdkafka_mock.c), so when an injected error fails request A
  // while B behind it is written, A's retry would be acked and dropped. A
  // real broker rejects B as out of order instead; the mock needs this setting.
  auto replay = StartReplay(broker.bootstrap(), "80000", "csv",
                            {"-X", "max.in.flight.requests.per.connection=1"});
  ASSERT_TRUE(WaitUntil([port] { return Counted(port) >= 50'000; }, Seconds(120)))
      << stream->Output();
  // Failed produce requests: the idempotent producer retries them and the
  // requests behind them, and the mock stores those a second time. A slow
  // broker keeps several requests in flight, so there are some behind.
  for (int32_t id = 1; id <= broker.brokers(); ++id) broker.SetBrokerRtt(id, 50);
  for (int round = 0; round < 5; ++round) {
    broker.PushRequestErrors(0 /* Produce */, 3, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
    broker.PushRequestErrors(1 /* Fetch */, 2, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  for (int32_t id = 1; id <= broker.brokers(); ++id) broker.SetBrokerRtt(id, 0);
  broker.SetBrokerUp(2, false);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  broker.SetBrokerUp(2, true);

  EXPECT_EQ(replay->Wait(Seconds(180)), 0) << replay->Output();
  CountMap totals = WaitForAll(port, Seconds(120));
  EXPECT_EQ(MetricValue(port, "borgscope_messages_missed_total"), 0u);
  EXPECT_EQ(Sum(totals), kSampleEvents);
  EXPECT_EQ(totals, SampleCounts()) << CountDifferences(totals, SampleCounts()) << Sources(port);
  const uint64_t retried = MetricValue(port, "borgscope_duplicates_dropped_total");
  std::cout << "duplicates dropped after the faults: " << retried << "\n";

  // A producer that sends everything again (a replay restarted after a
  // crash): every message is a duplicate by its source position.
  ChildProcess again({"replay", "--trace", kSampleDir.string(), "--brokers", broker.bootstrap(),
                      "--speed", "0", "--tables", "job", "-q"},
                     dir_.path() / "replay-again.log");
  EXPECT_EQ(again.Wait(Seconds(120)), 0) << again.Output();
  EXPECT_TRUE(WaitUntil(
      [&] { return MetricValue(port, "borgscope_duplicates_dropped_total") >= retried + 10'704; },
      Seconds(60)));
  EXPECT_EQ(MetricValue(port, "borgscope_duplicates_dropped_total"), retried + 10'704);
  EXPECT_EQ(WaitForAll(port, Seconds(10)), SampleCounts());
  stream->Kill(SIGTERM);
  EXPECT_EQ(stream->Wait(Seconds(30)), 0) << stream->Output();
}

}  // namespace
}  // namespace borgscope::testing
