#include "stream/embedded_broker.h"

#include <fmt/core.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <vector>

#include "errors.h"
#include "stream/event_message.h"

namespace borgscope {

EmbeddedBroker::EmbeddedBroker(const BrokerOptions& options) : options_(options) {
  if (options.brokers < 1 || options.partitions < 1) {
    throw UsageError("the embedded broker needs at least one broker and one partition");
  }
  // The mock cluster lives on a handle of its own, without bootstrap.servers.
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof(error));
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (handle_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw IoError(fmt::format("cannot start the embedded broker: {}", error));
  }
  cluster_ = rd_kafka_mock_cluster_new(handle_, options.brokers);
  if (cluster_ == nullptr) {
    rd_kafka_destroy(handle_);
    throw IoError("cannot start the embedded broker (rd_kafka_mock_cluster_new failed)");
  }
  const int replication = std::min(options.brokers, 3);
  for (std::string_view topic : {kTaskEventsTopic, kJobEventsTopic}) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster_, std::string(topic).c_str(),
                                                         options.partitions, replication);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_mock_cluster_destroy(cluster_);
      rd_kafka_destroy(handle_);
      throw IoError(fmt::format("cannot create topic {}: {}", topic, rd_kafka_err2str(err)));
    }
  }
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

EmbeddedBroker::~EmbeddedBroker() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(handle_);
}

void EmbeddedBroker::PushRequestErrors(int16_t api_key, size_t count, int error) {
  std::vector<rd_kafka_resp_err_t> errors(count, static_cast<rd_kafka_resp_err_t>(error));
  rd_kafka_mock_push_request_errors_array(cluster_, api_key, errors.size(), errors.data());
}

void EmbeddedBroker::SetBrokerUp(int32_t id, bool up) {
  rd_kafka_resp_err_t err =
      up ? rd_kafka_mock_broker_set_up(cluster_, id) : rd_kafka_mock_broker_set_down(cluster_, id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw UsageError(fmt::format("broker {}: {}", id, rd_kafka_err2str(err)));
  }
}

void EmbeddedBroker::SetBrokerRtt(int32_t id, int rtt_ms) {
  rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_rtt(cluster_, id, rtt_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw UsageError(fmt::format("broker {}: {}", id, rd_kafka_err2str(err)));
  }
}

}  // namespace borgscope
