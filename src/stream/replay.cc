#include "stream/replay.h"

#include <fmt/core.h>
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <memory>
#include <thread>

#include "errors.h"
#include "stream/trace_merge.h"

namespace borgscope {
namespace {

using Clock = std::chrono::steady_clock;

// The trace window starts at 600 s; time 0 ("before the window") rows are
// paced as if they happened then, and 2^63-1 ("after it") rows are not paced.
constexpr int64_t kWindowStartMicros = 600'000'000;

class DeliveryCounter : public RdKafka::DeliveryReportCb {
 public:
  // Called from poll()/flush() on the replay thread.
  void dr_cb(RdKafka::Message& message) override {
    if (message.err() == RdKafka::ERR_NO_ERROR) {
      ++delivered;
    } else {
      ++failed;
      if (first_error.empty()) first_error = message.errstr();
    }
  }
  uint64_t delivered = 0;
  uint64_t failed = 0;
  std::string first_error;
};

void SetConfig(RdKafka::Conf& conf, const std::string& name, const std::string& value) {
  std::string error;
  if (conf.set(name, value, error) != RdKafka::Conf::CONF_OK) {
    throw UsageError(fmt::format("Kafka producer setting {}={}: {}", name, value, error));
  }
}

std::unique_ptr<RdKafka::Producer> MakeProducer(const ReplayOptions& options,
                                                DeliveryCounter& counter) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  SetConfig(*conf, "bootstrap.servers", options.brokers);
  SetConfig(*conf, "enable.idempotence", "true");
  SetConfig(*conf, "acks", "all");
  // Big batches: the broker's cost is per request, and lz4 on JSON rows that
  // repeat their keys keeps ~4x more events inside the mock's ~5 MiB per
  // partition.
  SetConfig(*conf, "linger.ms", "5");
  SetConfig(*conf, "batch.num.messages", "10000");
  SetConfig(*conf, "batch.size", "1000000");
  SetConfig(*conf, "compression.codec", "lz4");
  SetConfig(*conf, "queue.buffering.max.messages", "500000");
  SetConfig(*conf, "queue.buffering.max.kbytes", "524288");
  SetConfig(*conf, "message.timeout.ms", "120000");
  SetConfig(*conf, "log_level", "3");
  for (const auto& [name, value] : options.kafka_config) SetConfig(*conf, name, value);
  std::string error;
  if (conf->set("dr_cb", &counter, error) != RdKafka::Conf::CONF_OK) {
    throw InternalError("cannot set the delivery report callback: " + error);
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (!producer) throw IoError(fmt::format("cannot create a Kafka producer: {}", error));
  return producer;
}

// Splits a CSV line into at most kMaxColumns fields; returns how many.
size_t SplitFields(std::string_view line, std::array<std::string_view, kMaxColumns>& fields) {
  size_t count = 0;
  for (size_t start = 0; count < fields.size();) {
    size_t comma = line.find(',', start);
    fields[count++] = line.substr(start, comma == line.npos ? line.npos : comma - start);
    if (comma == line.npos) break;
    start = comma + 1;
  }
  return count;
}

class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled), terminal_(isatty(STDERR_FILENO) != 0) {}

  void Update(uint64_t sent, int64_t trace_time, bool final = false) {
    if (!enabled_) return;
    const auto now = Clock::now();
    const double since_last = std::chrono::duration<double>(now - last_).count();
    // A terminal gets a live line; a log gets a line every 10 s.
    if (!final && since_last < (terminal_ ? 0.5 : 10.0)) return;
    const double rate = since_last > 0 ? (sent - last_sent_) / since_last : 0;
    fmt::print(stderr, "{}replay: {} events sent, {:.0f}/s, trace time {}{}", terminal_ ? "\r" : "",
               sent, rate, FormatTraceTime(trace_time), terminal_ && !final ? "   " : "\n");
    last_ = now;
    last_sent_ = sent;
  }

 private:
  bool enabled_;
  bool terminal_;
  Clock::time_point last_ = Clock::now();
  uint64_t last_sent_ = 0;
};

}  // namespace

std::string FormatTraceTime(int64_t micros) {
  if (micros == kTimeAfterWindow) return "end";
  const int64_t seconds = micros / 1'000'000;
  return fmt::format("{}d {:02}:{:02}:{:02}", seconds / 86400, seconds / 3600 % 24,
                     seconds / 60 % 60, seconds % 60);
}

ReplayResult RunReplay(const ReplayOptions& options) {
  TraceMerger merger(options.trace_dir, options.tables, options.shards);
  DeliveryCounter counter;
  std::unique_ptr<RdKafka::Producer> producer = MakeProducer(options, counter);
  ProgressLine progress(options.progress);

  ReplayResult result;
  const auto start = Clock::now();
  int64_t pace_origin = -1;
  std::string value, key, source;
  std::array<std::string_view, kMaxColumns> fields;
  struct TopicHandles {
    rd_kafka_topic_t* handles[2];
    ~TopicHandles() {
      for (rd_kafka_topic_t* handle : handles) rd_kafka_topic_destroy(handle);
    }
  } topic_handles{
      {rd_kafka_topic_new(producer->c_ptr(), std::string(kJobEventsTopic).c_str(), nullptr),
       rd_kafka_topic_new(producer->c_ptr(), std::string(kTaskEventsTopic).c_str(), nullptr)}};
  rd_kafka_topic_t* const* topics = topic_handles.handles;
  while (const TraceRow* row = merger.Next()) {
    if ((result.produced & 1023) == 0) {
      producer->poll(0);
      progress.Update(result.produced, result.last_trace_time);
      if (options.stop != nullptr && options.stop->load()) {
        result.interrupted = true;
        break;
      }
    }
    // Pacing: wait until the row's due time, serving delivery reports meanwhile.
    double due_micros = 0;
    if (options.speed > 0 && row->time != kTimeAfterWindow) {
      const int64_t paced = std::max(row->time, kWindowStartMicros);
      if (pace_origin < 0) pace_origin = paced;
      due_micros = static_cast<double>(paced - pace_origin) / options.speed;
    }
    if (options.max_rate > 0) {
      due_micros =
          std::max(due_micros, static_cast<double>(result.produced) * 1e6 / options.max_rate);
    }
    for (;;) {
      const double ahead =
          due_micros - std::chrono::duration<double, std::micro>(Clock::now() - start).count();
      if (ahead < 1000) break;
      producer->poll(static_cast<int>(std::min(ahead / 1000, 100.0)));
      if (options.stop != nullptr && options.stop->load()) break;
    }

    value.clear();
    if (options.format == EventFormat::kJson) {
      size_t count = SplitFields(row->text, fields);
      AppendEventJson(row->table, std::span(fields.data(), count), value);
    } else {
      value.assign(row->text);
    }
    key.clear();
    fmt::format_to(std::back_inserter(key), "{}", row->job_id);
    source.clear();
    fmt::format_to(std::back_inserter(source), "{}:{}:{}", TableName(row->table), row->shard,
                   row->line);
    // The C API straight away: no C++ Headers object per message. One header
    // (each costs allocations); the produce time is the message timestamp.
    rd_kafka_topic_t* topic = topics[row->table == Table::kJobEvents ? 0 : 1];
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          producer->c_ptr(), RD_KAFKA_V_RKT(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_KEY(key.data(), key.size()),
          RD_KAFKA_V_HEADER(kSourceHeader, source.data(), static_cast<ssize_t>(source.size())),
          RD_KAFKA_V_TIMESTAMP(WallMicros() / 1000), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        producer->poll(10);
        continue;
      }
      throw IoError(fmt::format("cannot produce to {}: {}", rd_kafka_topic_name(topic),
                                rd_kafka_err2str(err)));
    }
    ++result.produced;
    result.last_trace_time = row->time;
  }
  progress.Update(result.produced, result.last_trace_time, true);

  producer->flush(options.flush_timeout_ms);
  producer->poll(0);
  result.undelivered = static_cast<uint64_t>(std::max(producer->outq_len(), 0));
  result.delivered = counter.delivered;
  result.failed = counter.failed;
  result.first_error = counter.first_error;
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

}  // namespace borgscope
