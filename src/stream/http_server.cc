#include "stream/http_server.h"

#include <fmt/core.h>
#include <httplib.h>

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

StreamHttpServer::StreamHttpServer(const StreamProcessor& processor, const std::string& address)
    : server_(std::make_unique<httplib::Server>()) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos)
    throw UsageError("--metrics-addr expects host:port, got " + address);
  host_ = address.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (const std::exception&) {
    throw UsageError("--metrics-addr expects host:port, got " + address);
  }

  server_->Get("/metrics", [&processor](const httplib::Request&, httplib::Response& response) {
    std::string text;
    processor.Read([&text](const StreamState& state, const LiveStats& stats) {
      text = RenderPrometheus(state, stats);
    });
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
  server_->Get("/", [](const httplib::Request&, httplib::Response& response) {
    ServeAsset(FindAsset("index.html"), response);
  });
  server_->Get(R"(/assets/([A-Za-z0-9._-]+))",
               [](const httplib::Request& request, httplib::Response& response) {
                 ServeAsset(FindAsset(request.matches[1].str()), response);
               });

  if (port == 0) {
    port_ = server_->bind_to_any_port(host_.c_str());
  } else {
    port_ = server_->bind_to_port(host_.c_str(), port) ? port : -1;
  }
  if (port_ <= 0) throw IoError(fmt::format("cannot listen on {}", address));
  thread_ = std::thread([this] { server_->listen_after_bind(); });
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
