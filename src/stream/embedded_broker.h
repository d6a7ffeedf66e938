#pragma once
// The embedded Kafka broker: librdkafka's mock cluster (rdkafka_mock.h), which
// speaks the real Kafka protocol on loopback ports it picks itself. It holds
// only ~5 MiB per partition (older data silently falls off), so the topics get
// many partitions and consumers must read while replay writes. See
// ../shared/TOOLCHAIN.md for what the mock does and does not do.

#include <cstdint>
#include <string>

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace borgscope {

struct BrokerOptions {
  int brokers = 3;
  int partitions = 32;  // per topic (task-events, job-events)
};

class EmbeddedBroker {
 public:
  explicit EmbeddedBroker(const BrokerOptions& options);
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // "127.0.0.1:port,127.0.0.1:port,..." for --brokers / bootstrap.servers.
  const std::string& bootstrap() const { return bootstrap_; }
  int brokers() const { return options_.brokers; }

  // Fault injection for tests: the next `count` requests of Kafka API
  // `api_key` (0 = Produce, 1 = Fetch, ...) fail with `error` (an
  // rd_kafka_resp_err_t value), whatever broker they reach.
  void PushRequestErrors(int16_t api_key, size_t count, int error);
  // Takes broker `id` (1..brokers) down or up; leadership does not move.
  void SetBrokerUp(int32_t id, bool up);
  // Delays every response of broker `id` by `rtt_ms` (more requests in flight).
  void SetBrokerRtt(int32_t id, int rtt_ms);

 private:
  BrokerOptions options_;
  rd_kafka_t* handle_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
};

}  // namespace borgscope
