// The stream's HTTP endpoint: --metrics-addr parsed strictly, a port in use
// is an error, clients that never finish a request cannot starve /metrics,
// and the dashboard page says what it shows and which files it lacks.

#include "stream/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "errors.h"
#include "stream/stream_processor.h"
#include "stream_test_support.h"

namespace borgscope::testing {
namespace {

TEST(ParseListenAddress, HostAndPort) {
  ListenAddress address = ParseListenAddress("127.0.0.1:9464");
  EXPECT_EQ(address.host, "127.0.0.1");
  EXPECT_EQ(address.port, 9464);
  address = ParseListenAddress("[::1]:0");
  EXPECT_EQ(address.host, "::1");
  EXPECT_EQ(address.port, 0);
  EXPECT_EQ(ParseListenAddress("localhost:65535").port, 65535);
}

TEST(ParseListenAddress, AnythingElseIsAUsageError) {
  for (const char* text : {"9464", "94x64", "127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:94x64",
                           "127.0.0.1:", ":9464", "127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1: 80",
                           "127.0.0.1:009464", "[]:80"}) {
    try {
      ParseListenAddress(text);
      ADD_FAILURE() << "no error for " << text;
    } catch (const UsageError& error) {
      EXPECT_EQ(std::string(error.what()),
                std::string("--metrics-addr expects host:port with a port from 0 to 65535 (0: any "
                            "free one), got '") +
                    text + "'");
    }
  }
}

// A processor that is never run: the server only reads its (empty) state.
StreamOptions IdleStreamOptions() {
  StreamOptions options;
  options.brokers = "127.0.0.1:1";
  return options;
}

// A binary built without web/node_modules (no npm registry) serves the page
// with a notice naming the missing files; a complete one serves it as it is.
TEST(DashboardPage, NamesMissingAssets) {
  const std::string index = "<html><body><h1>borgscope</h1><p>counts</p></body></html>";
  std::vector<DashboardAsset> assets = {{"index.html", "text/html", index},
                                        {"dashboard.js", "text/javascript", "poll();"},
                                        {"uPlot.iife.min.js", "text/javascript", "uPlot"},
                                        {"uPlot.min.css", "text/css", ".u{}"}};
  EXPECT_EQ(MissingAssetsNotice(assets), "");
  EXPECT_EQ(DashboardPage(assets), index);

  assets[2].bytes = "";
  assets[3].bytes = "";
  const std::string notice = MissingAssetsNotice(assets);
  EXPECT_EQ(notice,
            "The dashboard's files uPlot.iife.min.js, uPlot.min.css were not built into this "
            "binary (web/node_modules was missing at build time): no charts. Run "
            "scripts/setup.sh, which runs npm ci in web/, and rebuild; the counts and tables "
            "work without them.");
  EXPECT_EQ(DashboardPage(assets), "<html><body><h1>borgscope</h1>\n<p id=\"assets-missing\">" +
                                       notice + "</p><p>counts</p></body></html>");
}

// The page served at / is the embedded one, and explains what it shows: the
// window, the log scale, and latency at full replay speed.
TEST(StreamHttpServer, ServesTheDashboardWithItsExplanations) {
  StreamProcessor processor(IdleStreamOptions());
  StreamHttpServer server(processor, "127.0.0.1:0");
  std::optional<std::string> page = HttpGet(server.port(), "/");
  ASSERT_TRUE(page);
  EXPECT_EQ(*page, DashboardPage(DashboardAssets()));
  for (const char* text : {"<input type=\"checkbox\" id=\"log-scale\" checked>",
                           "<p class=\"note\" id=\"window-note\">", "(<code>--speed 0</code>)",
                           "the figures then measure that queue"}) {
    EXPECT_NE(page->find(text), std::string::npos) << text;
  }
  std::optional<std::string> script = HttpGet(server.port(), "/assets/dashboard.js");
  ASSERT_TRUE(script);
  EXPECT_NE(script->find("function windowNote(page)"), std::string::npos);
  EXPECT_NE(script->find("value: legendValue(formatNumber)"), std::string::npos);
}

TEST(StreamHttpServer, PortInUseIsAnErrorNamingIt) {
  StreamProcessor processor(IdleStreamOptions());
  StreamHttpServer first(processor, "127.0.0.1:0");
  const std::string address = "127.0.0.1:" + std::to_string(first.port());
  try {
    StreamHttpServer second(processor, address);
    FAIL() << "a second server listens on " << address;
  } catch (const IoError& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot listen on " + address + " (--metrics-addr): Address already in use");
  }
}

// Clients that open a connection and send half a request header, then wait.
std::vector<int> StalledClients(int port, int count) {
  std::vector<int> sockets;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < count; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
    const char kPartial[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    EXPECT_EQ(send(fd, kPartial, sizeof(kPartial) - 1, 0), ssize_t{sizeof(kPartial) - 1});
    sockets.push_back(fd);
  }
  return sockets;
}

TEST(StreamHttpServer, StalledClientsDoNotStarveMetrics) {
  StreamProcessor processor(IdleStreamOptions());
  StreamHttpServer server(processor, "127.0.0.1:0");
  std::vector<int> stalled = StalledClients(server.port(), 64);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // all of them accepted
  const auto start = std::chrono::steady_clock::now();
  std::optional<std::string> page = HttpGet(server.port(), "/metrics");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(page);
  EXPECT_NE(page->find("borgscope_events_total"), std::string::npos);
  EXPECT_LT(seconds, 1.0);
  for (int fd : stalled) close(fd);

  // Twice as many stalled clients as workers: each holds a worker until its
  // read times out and the keep-alive wait ends; /metrics answers after at
  // most two such rounds (httplib's defaults: 8 workers, 5 s + 5 s each).
  stalled = StalledClients(server.port(), 2 * StreamHttpServer::kWorkers);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto again = std::chrono::steady_clock::now();
  page = HttpGet(server.port(), "/metrics");
  ASSERT_TRUE(page);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - again).count(),
            2.0 * (StreamHttpServer::kReadTimeoutSeconds + StreamHttpServer::kKeepAliveSeconds) +
                3);  // + scheduling on a busy machine
  for (int fd : stalled) close(fd);
}

}  // namespace
}  // namespace borgscope::testing
