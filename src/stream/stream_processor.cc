#include "stream/stream_processor.h"

#include <fmt/core.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <array>
#include <charconv>
#include <thread>
#include <vector>

#include "errors.h"
#include "stream/event_message.h"

namespace borgscope {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMessagesPerLock = 512;  // readers wait at most this many messages

void SetConfig(RdKafka::Conf& conf, const std::string& name, const std::string& value) {
  std::string error;
  if (conf.set(name, value, error) != RdKafka::Conf::CONF_OK) {
    throw UsageError(fmt::format("Kafka consumer setting {}={}: {}", name, value, error));
  }
}

int TableSlot(Table table) { return table == Table::kJobEvents ? 0 : 1; }
const std::array<std::string, 2> kTopics = {std::string(kJobEventsTopic),
                                            std::string(kTaskEventsTopic)};

std::string_view HeaderValue(rd_kafka_headers_t* headers, const char* name) {
  const void* value = nullptr;
  size_t size = 0;
  if (headers == nullptr ||
      rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      value == nullptr) {
    return {};
  }
  return {static_cast<const char*>(value), size};
}

}  // namespace

int64_t ParseWindowMicros(std::string_view text) {
  int64_t amount = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), amount);
  const std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  int64_t seconds_per_unit = 0;
  if (unit.empty() || unit == "s") seconds_per_unit = 1;
  if (unit == "m") seconds_per_unit = 60;
  if (unit == "h") seconds_per_unit = 3600;
  if (unit == "d") seconds_per_unit = 86400;
  if (error != std::errc() || amount <= 0 || seconds_per_unit == 0 ||
      amount > INT64_MAX / 1'000'000 / seconds_per_unit) {
    throw UsageError(
        fmt::format("--window expects a duration such as 1h, 30m or 90s, got '{}'", text));
  }
  return amount * seconds_per_unit * 1'000'000;
}

// The librdkafka side: the consumer handle, its rebalance callback and the
// next offset of every partition (consumer thread only).
class StreamProcessor::Consumer : public RdKafka::RebalanceCb {
 public:
  Consumer(const StreamOptions& options, const PartitionOffsets& resumed) {
    for (const auto& [partition, offset] : resumed) {
      std::optional<Table> table = TableOfTopic(partition.first);
      if (table) SetNext(*table, partition.second, offset);
    }
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    SetConfig(*conf, "bootstrap.servers", options.brokers);
    SetConfig(*conf, "group.id", options.group);
    SetConfig(*conf, "enable.auto.commit", "false");
    SetConfig(*conf, "enable.auto.offset.store", "false");
    SetConfig(*conf, "auto.offset.reset", "earliest");
    SetConfig(*conf, "session.timeout.ms", std::to_string(options.session_timeout_ms));
    SetConfig(*conf, "heartbeat.interval.ms",
              std::to_string(std::max(100, options.session_timeout_ms / 5)));
    // Latency matters more than fetch efficiency at these rates.
    SetConfig(*conf, "fetch.wait.max.ms", "50");
    SetConfig(*conf, "log_level", "3");
    for (const auto& [name, value] : options.kafka_config) SetConfig(*conf, name, value);
    std::string error;
    if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), error) !=
        RdKafka::Conf::CONF_OK) {
      throw InternalError("cannot set the rebalance callback: " + error);
    }
    handle_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
    if (!handle_) throw IoError(fmt::format("cannot create a Kafka consumer: {}", error));
    RdKafka::ErrorCode err = handle_->subscribe({kTopics[0], kTopics[1]});
    if (err != RdKafka::ERR_NO_ERROR) {
      throw IoError(fmt::format("cannot subscribe: {}", RdKafka::err2str(err)));
    }
  }

  // Seeks every assigned partition to the offset the state covers.
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      for (RdKafka::TopicPartition* partition : partitions) {
        std::optional<Table> table = TableOfTopic(partition->topic());
        int64_t next = table ? Next(*table, partition->partition()) : -1;
        partition->set_offset(next >= 0 ? next : RdKafka::Topic::OFFSET_BEGINNING);
      }
      consumer->assign(partitions);
      assigned_.clear();
      for (RdKafka::TopicPartition* partition : partitions) {
        assigned_.emplace_back(partition->topic(), partition->partition());
      }
    } else {
      consumer->unassign();
      assigned_.clear();
    }
  }

  int64_t Next(Table table, int32_t partition) const {
    const auto& offsets = next_[TableSlot(table)];
    return partition >= 0 && static_cast<size_t>(partition) < offsets.size() ? offsets[partition]
                                                                             : -1;
  }
  void SetNext(Table table, int32_t partition, int64_t offset) {
    auto& offsets = next_[TableSlot(table)];
    if (partition < 0) return;
    if (static_cast<size_t>(partition) >= offsets.size()) offsets.resize(partition + 1, -1);
    offsets[partition] = offset;
  }
  PartitionOffsets Offsets() const {
    PartitionOffsets offsets;
    for (int slot = 0; slot < 2; ++slot) {
      for (size_t partition = 0; partition < next_[slot].size(); ++partition) {
        if (next_[slot][partition] >= 0) {
          offsets[{kTopics[slot], static_cast<int32_t>(partition)}] = next_[slot][partition];
        }
      }
    }
    return offsets;
  }
  // Messages behind the end of each assigned partition (from the consumer's
  // cached high watermarks: no broker round trip).
  PartitionOffsets Lag() const {
    PartitionOffsets lag;
    for (const auto& [topic, partition] : assigned_) {
      int64_t low = 0, high = 0;
      if (handle_->get_watermark_offsets(topic, partition, &low, &high) != RdKafka::ERR_NO_ERROR ||
          high < 0) {
        continue;
      }
      std::optional<Table> table = TableOfTopic(topic);
      int64_t next = table ? Next(*table, partition) : -1;
      lag[{topic, partition}] = std::max<int64_t>(0, high - std::max(next, low));
    }
    return lag;
  }
  // Only for partitions this member holds: a commit outside a generation
  // fails with "unknown member" and sends the member back into a rejoin.
  void CommitAsync() {
    std::vector<RdKafka::TopicPartition*> partitions;
    for (const auto& [topic, partition] : assigned_) {
      std::optional<Table> table = TableOfTopic(topic);
      int64_t next = table ? Next(*table, partition) : -1;
      if (next >= 0) partitions.push_back(RdKafka::TopicPartition::create(topic, partition, next));
    }
    if (!partitions.empty()) handle_->commitAsync(partitions);
    RdKafka::TopicPartition::destroy(partitions);
  }

  RdKafka::KafkaConsumer& handle() { return *handle_; }
  bool assigned() const { return !assigned_.empty(); }

 private:
  std::unique_ptr<RdKafka::KafkaConsumer> handle_;
  std::array<std::vector<int64_t>, 2> next_;  // [table slot][partition], -1 = unknown
  std::vector<std::pair<std::string, int32_t>> assigned_;
};

StreamProcessor::StreamProcessor(StreamOptions options)
    : options_(std::move(options)), state_(options_.window_micros) {
  if (!options_.checkpoint_dir.empty()) {
    if (std::optional<borgscope::Checkpoint> checkpoint = ReadCheckpoint(options_.checkpoint_dir)) {
      WireReader in(checkpoint->state);
      state_.Deserialize(in);
      if (state_.window_micros() != options_.window_micros) {
        throw UsageError(fmt::format(
            "the checkpoint in {} counts {} s windows, not {} s: use its --window or a new folder",
            options_.checkpoint_dir, state_.window_micros() / 1'000'000,
            options_.window_micros / 1'000'000));
      }
      resumed_offsets_ = std::move(checkpoint->offsets);
      resumed_ = true;
    }
  }
  consumer_ = std::make_unique<Consumer>(options_, resumed_offsets_);
}

StreamProcessor::~StreamProcessor() = default;

void StreamProcessor::Checkpoint() {
  if (options_.checkpoint_dir.empty()) return;
  // Only this thread changes the state, so reading it here needs no lock.
  WireWriter out;
  state_.Serialize(out);
  borgscope::Checkpoint checkpoint{out.Take(), consumer_->Offsets()};
  WriteCheckpoint(options_.checkpoint_dir, checkpoint);
  consumer_->CommitAsync();
  std::lock_guard lock(mutex_);
  ++stats_.checkpoints_written;
}

void StreamProcessor::Run() {
  RdKafka::KafkaConsumer& consumer = consumer_->handle();
  auto last_checkpoint = Clock::now();
  auto last_tick = Clock::now();
  uint64_t counted_at_tick = state_.counted();
  uint64_t errors_reported = 0;
  const auto checkpoint_interval =
      std::chrono::duration<double>(options_.checkpoint_interval_seconds);

  // Applies one message to the state; the caller holds mutex_.
  auto apply = [&](RdKafka::Message& message) {
    std::optional<Table> table = TableOfTopic(message.topic_name());
    if (!table) return;
    // Offsets of a partition are contiguous: a jump means the broker no longer
    // had the messages in between (librdkafka resets to the earliest offset
    // left). They cannot be counted; say so rather than lose them silently.
    const int64_t expected = consumer_->Next(*table, message.partition());
    if (expected >= 0 && message.offset() > expected) {
      const uint64_t missed = static_cast<uint64_t>(message.offset() - expected);
      stats_.messages_missed += missed;
      fmt::print(stderr,
                 "stream: {} messages of {} [{}] (offsets {}-{}) were gone from the broker "
                 "before they were read: they are not counted\n",
                 missed, message.topic_name(), message.partition(), expected, message.offset() - 1);
    }
    consumer_->SetNext(*table, message.partition(), message.offset() + 1);
    rd_kafka_message_t* raw = message.c_ptr();
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(raw, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) headers = nullptr;
    const std::string_view value(static_cast<const char*>(message.payload()), message.len());
    std::optional<EventFields> fields = DecodeEvent(*table, value);
    if (!fields) {
      if (stats_.bad_messages++ < 5) {
        fmt::print(stderr, "stream: skipping a message that is not a {} event ({} [{}] @{})\n",
                   TableName(*table), message.topic_name(), message.partition(), message.offset());
      }
      return;
    }
    std::optional<SourcePosition> source;
    if (std::string_view text = HeaderValue(headers, kSourceHeader); !text.empty()) {
      source = ParseSource(text);
    }
    if (!state_.Consume(*table, *fields, source)) return;
    // Produce -> counted, from the message's create time (milliseconds).
    const RdKafka::MessageTimestamp produced = message.timestamp();
    if (produced.type == RdKafka::MessageTimestamp::MSG_TIMESTAMP_CREATE_TIME &&
        produced.timestamp > 0) {
      stats_.latency.Observe(WallMicros() - produced.timestamp * 1000);
    }
  };
  // Returns whether the message was data.
  auto handle = [&](RdKafka::Message* message) {
    switch (message->err()) {
      case RdKafka::ERR_NO_ERROR:
        apply(*message);
        return true;
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__PARTITION_EOF:
        return false;
      default:
        // Broker trouble is retried by librdkafka; say so now and then.
        if (errors_reported++ % 100 == 0) {
          fmt::print(stderr, "stream: consumer: {}\n", message->errstr());
        }
        return false;
    }
  };

  while (options_.stop == nullptr || !options_.stop->load()) {
    std::unique_ptr<RdKafka::Message> message(consumer.consume(100));
    if (message->err() == RdKafka::ERR_NO_ERROR) {
      std::lock_guard lock(mutex_);
      handle(message.get());
      for (int i = 1; i < kMessagesPerLock; ++i) {
        std::unique_ptr<RdKafka::Message> next(consumer.consume(0));
        if (!handle(next.get())) break;
      }
    } else {
      handle(message.get());
    }
    const auto now = Clock::now();
    if (now - last_tick >= std::chrono::seconds(1)) {
      PartitionOffsets lag = consumer_->Lag();
      std::lock_guard lock(mutex_);
      const double seconds = std::chrono::duration<double>(now - last_tick).count();
      stats_.events_per_second = static_cast<double>(state_.counted() - counted_at_tick) / seconds;
      stats_.lag = std::move(lag);
      stats_.assigned = consumer_->assigned();
      counted_at_tick = state_.counted();
      last_tick = now;
    }
    if (now - last_checkpoint >= checkpoint_interval) {
      Checkpoint();
      last_checkpoint = now;
    }
  }
  Checkpoint();
  consumer.close();
}

}  // namespace borgscope
