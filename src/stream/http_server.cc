#include "stream/http_server.h"

#include <fmt/core.h>
#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string_view>
#include <thread>

#include "errors.h"
#include "stream/dashboard_assets.h"
#include "stream/metrics_page.h"
#include "stream/stream_processor.h"

namespace borgscope {
namespace {

const DashboardAsset* FindAsset(std::string_view name) {
  for (const DashboardAsset& asset : DashboardAssets()) {
    if (asset.name == name) return &asset;
  }
  return nullptr;
}

void ServeAsset(const DashboardAsset* asset, httplib::Response& response) {
  if (asset == nullptr || asset->bytes.empty()) {
    response.status = 404;
    response.set_content("not built into this binary (see scripts/setup.sh)\n", "text/plain");
    return;
  }
  response.set_content(asset->bytes.data(), asset->bytes.size(),
                       fmt::format("{}; charset=utf-8", asset->content_type).c_str());
  response.set_header("Cache-Control", "no-cache");
}

}  // namespace

std::string MissingAssetsNotice(const std::vector<DashboardAsset>& assets) {
  std::string missing;
  for (const DashboardAsset& asset : assets) {
    if (!asset.bytes.empty()) continue;
    missing += fmt::format("{}{}", missing.empty() ? "" : ", ", asset.name);
  }
  if (missing.empty()) return "";
  return fmt::format(
      "The dashboard's files {} were not built into this binary (web/node_modules was missing "
      "at build time): no charts. Run scripts/setup.sh, which runs npm ci in web/, and rebuild; "
      "the counts and tables work without them.",
      missing);
}

std::string DashboardPage(const std::vector<DashboardAsset>& assets) {
  const std::string notice = MissingAssetsNotice(assets);
  const DashboardAsset* index = nullptr;
  for (const DashboardAsset& asset : assets) {
    if (asset.name == "index.html") index = &asset;
  }
  if (index == nullptr || index->bytes.empty()) return notice + "\n";
  std::string page(index->bytes);
  if (notice.empty()) return page;
  const std::string_view kHeadingEnd = "</h1>";
  const size_t at = page.find(kHeadingEnd);
  const size_t insert = at == std::string::npos ? 0 : at + kHeadingEnd.size();
  page.insert(insert, fmt::format("\n<p id=\"assets-missing\">{}</p>", notice));
  return page;
}

ListenAddress ParseListenAddress(const std::string& text) {
  const auto bad = [&text] {
    return UsageError(fmt::format(
        "--metrics-addr expects host:port with a port from 0 to 65535 (0: any free one), got '{}'",
        text));
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) throw bad();
  ListenAddress address;
  address.host = text.substr(0, colon);
  if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  const std::string_view port = std::string_view(text).substr(colon + 1);
  const char* end = port.data() + port.size();
  const auto [parsed_end, error] = std::from_chars(port.data(), end, address.port);
  if (address.host.empty() || port.empty() || port.size() > 5 || parsed_end != end ||
      error != std::errc() || port.front() < '0' || port.front() > '9' || address.port > 65535) {
    throw bad();
  }
  return address;
}

// The last /metrics page and when it was rendered: a scrape within
// kMetricsMaxAgeMillis of the last one takes neither the processor's lock
// nor the rendering time.
struct StreamHttpServer::MetricsCache {
  std::mutex mutex;
  std::string text;
  std::chrono::steady_clock::time_point rendered;
};

StreamHttpServer::StreamHttpServer(const StreamProcessor& processor, const std::string& address)
    : metrics_cache_(std::make_unique<MetricsCache>()),
      server_(std::make_unique<httplib::Server>()) {
  const ListenAddress listen = ParseListenAddress(address);
  host_ = listen.host;
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a
  // second stream would listen on the same port without an error.
  // The socket is remembered for the backlog below (the last one httplib
  // made is the one it bound).
  socket_t listening = -1;
  server_->set_socket_options([&listening](socket_t socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listening = socket;
  });
  server_->new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  server_->set_read_timeout(kReadTimeoutSeconds, 0);
  server_->set_keep_alive_timeout(kKeepAliveSeconds);

  server_->Get("/metrics", [&processor, cache = metrics_cache_.get()](const httplib::Request&,
                                                                      httplib::Response& response) {
    std::string text;
    {
      std::lock_guard lock(cache->mutex);
      const auto now = std::chrono::steady_clock::now();
      if (cache->text.empty() ||
          now - cache->rendered > std::chrono::milliseconds(kMetricsMaxAgeMillis)) {
        processor.Read([cache](const StreamState& state, const LiveStats& stats) {
          cache->text = RenderPrometheus(state, stats);
        });
        cache->rendered = now;
      }
      text = cache->text;
    }
    response.set_content(text, kPrometheusContentType);
  });
  server_->Get("/api/counts", [&processor](const httplib::Request&, httplib::Response& response) {
    std::string json;
    processor.Read([&json](const StreamState& state, const LiveStats& stats) {
      json = RenderCountsJson(state, stats);
    });
    response.set_content(json, "application/json");
    response.set_header("Cache-Control", "no-cache");
  });
  server_->Get("/", [page = DashboardPage(DashboardAssets())](const httplib::Request&,
                                                              httplib::Response& response) {
    response.set_content(page, "text/html; charset=utf-8");
    response.set_header("Cache-Control", "no-cache");
  });
  server_->Get(R"(/assets/([A-Za-z0-9._-]+))",
               [](const httplib::Request& request, httplib::Response& response) {
                 ServeAsset(FindAsset(request.matches[1].str()), response);
               });

  errno = 0;
  if (listen.port == 0) {
    port_ = server_->bind_to_any_port(host_.c_str());
  } else {
    port_ = server_->bind_to_port(host_.c_str(), listen.port) ? listen.port : -1;
  }
  if (port_ <= 0) {
    const int error = errno;
    throw IoError(fmt::format("cannot listen on {} (--metrics-addr): {}", address,
                              error != 0 ? std::strerror(error) : "bind failed"));
  }
  // httplib listens with a backlog of 5: a burst of connections (or a few
  // stalled ones while the listen loop starts) then waits for SYN
  // retransmits, a second or more each. Linux lets listen() raise it.
  ::listen(listening, SOMAXCONN);
  server_->set_socket_options([](socket_t) {});  // `listening` goes out of scope
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing before the listen loop runs, and the loop
  // would then run on: a server destroyed right away must not hang.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

StreamHttpServer::~StreamHttpServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string StreamHttpServer::url() const {
  const bool ipv6 = host_.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}/", ipv6 ? "[" : "", host_, ipv6 ? "]" : "", port_);
}

}  // namespace borgscope
