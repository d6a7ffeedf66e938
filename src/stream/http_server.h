#pragma once
// The stream's HTTP endpoint (cpp-httplib, its own threads): `/metrics` in
// Prometheus text format, `/` the live dashboard, `/api/counts` the JSON the
// dashboard polls, `/assets/<file>` the embedded page files. Bound to
// 127.0.0.1 unless told otherwise.

#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace borgscope {

class StreamProcessor;

class StreamHttpServer {
 public:
  // Binds `address` ("host:port"; port 0 picks a free one) and starts serving.
  // Throws UsageError on a bad address and IoError when it cannot bind.
  StreamHttpServer(const StreamProcessor& processor, const std::string& address);
  ~StreamHttpServer();
  StreamHttpServer(const StreamHttpServer&) = delete;
  StreamHttpServer& operator=(const StreamHttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:9464/"
  std::string url() const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string host_;
  int port_ = 0;
};

}  // namespace borgscope
