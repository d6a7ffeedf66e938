#pragma once
// The stream's HTTP endpoint (cpp-httplib, its own threads): `/metrics` in
// Prometheus text format, `/` the live dashboard, `/api/counts` the JSON the
// dashboard polls, `/assets/<file>` the embedded page files. Bound to
// 127.0.0.1 unless told otherwise.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "stream/dashboard_assets.h"
namespace httplib {
class Server;
}

namespace borgscope {

class StreamProcessor;

struct ListenAddress {
  std::string host;  // without the brackets of "[::1]"
  int port = 0;      // 0: any free port
};

// When some of `assets` were missing at build time (the charting library, if
// `npm ci` in web/ did not run), a sentence naming them and how to get them;
// else "". The batch build goes on without them; the dashboard has no charts.
std::string MissingAssetsNotice(const std::vector<DashboardAsset>& assets);

// The page at `/`: index.html, with MissingAssetsNotice at its top when it
// is not empty.
std::string DashboardPage(const std::vector<DashboardAsset>& assets);

// "host:port" or "[ipv6]:port"; the port is digits only, 0 to 65535 (0 picks
// a free one). Throws UsageError naming --metrics-addr and the text.
ListenAddress ParseListenAddress(const std::string& text);

class StreamHttpServer {
 public:
  static constexpr int kWorkers = 128;
  static constexpr int kReadTimeoutSeconds = 2;
  // A stalled client holds a worker for both: the read that times out, and
  // httplib's wait for a next request on the connection.
  static constexpr int kKeepAliveSeconds = 2;
  static constexpr int kMetricsMaxAgeMillis = 250;

  // Binds `address` (ParseListenAddress) and starts serving. Throws
  // UsageError on a bad address and IoError when it cannot bind, also when
  // another process listens on the port (no SO_REUSEPORT: two streams never
  // share a port). Slow or stalled clients cannot starve /metrics: a
  // request must arrive within kReadTimeoutSeconds, a pool of kWorkers
  // threads serves, the listen backlog is SOMAXCONN, and /metrics is
  // rendered at most every kMetricsMaxAgeMillis.
  StreamHttpServer(const StreamProcessor& processor, const std::string& address);
  ~StreamHttpServer();
  StreamHttpServer(const StreamHttpServer&) = delete;
  StreamHttpServer& operator=(const StreamHttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:9464/"
  std::string url() const;

 private:
  struct MetricsCache;
  std::unique_ptr<MetricsCache> metrics_cache_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string host_;
  int port_ = 0;
};

}  // namespace borgscope
