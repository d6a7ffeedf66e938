// `borgscope live` (broker + stream + replay in one process) on the real
// sample, then what people look at: Debian's Prometheus scraping /metrics,
// the dashboard in headless Chromium, and the Grafana dashboard's metrics.

#include <algorithm>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "stream/http_server.h"
#include "stream_test_support.h"

namespace borgscope::testing {
namespace {

class LiveDemoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    live_ = new ChildProcess({"live", "--trace", kSampleDir.string(), "--speed", "0",
                              "--metrics-addr", "127.0.0.1:0", "--window", "10m"},
                             dir_->path() / "live.log");
    std::optional<std::string> port =
        live_->WaitForNumberAfter("dashboard http://127.0.0.1:", Seconds(60));
    port_ = port ? std::stoi(*port) : 0;
    // Everything counted before the tests look.
    WaitUntil(
        [] {
          std::optional<std::string> page = HttpGet(port_, "/metrics");
          return page && Sum(ParseEventsTotal(*page)) >= kSampleEvents;
        },
        Seconds(180));
  }
  static void TearDownTestSuite() {
    delete live_;  // SIGKILL
    delete dir_;
    live_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_GT(port_, 0) << live_->Output(); }

  static TempDir* dir_;
  static ChildProcess* live_;
  static int port_;
};
TempDir* LiveDemoTest::dir_ = nullptr;
ChildProcess* LiveDemoTest::live_ = nullptr;
int LiveDemoTest::port_ = 0;

TEST_F(LiveDemoTest, TotalsEqualRowsAndQ3) {
  std::optional<std::string> page = HttpGet(port_, "/metrics");
  ASSERT_TRUE(page);
  CountMap totals = ParseEventsTotal(*page);
  EXPECT_EQ(totals, SampleCounts()) << live_->Output();
  EXPECT_EQ(totals, BatchQ3Counts());
  EXPECT_NE(live_->Output().find("live: stream counted 460850 events"), std::string::npos)
      << live_->Output();
  // Every counted event had its produce -> counted latency observed.
  EXPECT_NE(
      page->find("\nborgscope_event_latency_seconds_count " + std::to_string(kSampleEvents) + "\n"),
      std::string::npos)
      << *page;
}

TEST_F(LiveDemoTest, PrometheusScrapesTheTotals) {
  if (!std::filesystem::exists("/usr/bin/prometheus")) GTEST_SKIP() << "no /usr/bin/prometheus";
  TempDir prometheus_dir;
  const std::filesystem::path config = prometheus_dir.path() / "prometheus.yml";
  std::ofstream(config) << "global:\n  scrape_interval: 1s\nscrape_configs:\n"
                           "  - job_name: borgscope\n    static_configs:\n"
                           "      - targets: ['127.0.0.1:"
                        << port_ << "']\n";
  const int prometheus_port = FreePort();
  ChildProcess prometheus({"/usr/bin/prometheus", "--config.file=" + config.string(),
                           "--storage.tsdb.path=" + (prometheus_dir.path() / "data").string(),
                           "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)},
                          prometheus_dir.path() / "prometheus.log", /*borgscope=*/false);

  // The first sample is queryable only after a few seconds: poll.
  CountMap scraped;
  WaitUntil(
      [&] {
        std::optional<std::string> body =
            HttpGet(prometheus_port, "/api/v1/query?query=borgscope_events_total");
        if (!body) return false;
        nlohmann::json answer = nlohmann::json::parse(*body, nullptr, false);
        if (answer.is_discarded() || answer.value("status", "") != "success") return false;
        scraped.clear();
        for (const auto& series : answer["data"]["result"]) {
          const auto& labels = series["metric"];
          std::string klass = labels.contains("scheduling_class")
                                  ? labels["scheduling_class"].get<std::string>()
                                  : "";
          scraped[labels["table"].get<std::string>() + "," + klass + "," +
                  labels["event_type"].get<std::string>()] =
              std::stoull(series["value"][1].get<std::string>());
        }
        return Sum(scraped) == kSampleEvents;
      },
      Seconds(60), std::chrono::milliseconds(500));
  EXPECT_EQ(scraped, SampleCounts()) << prometheus.Output();
}

TEST_F(LiveDemoTest, DashboardShowsCountsInHeadlessChromium) {
  if (!std::filesystem::exists("/usr/bin/chromium")) GTEST_SKIP() << "no /usr/bin/chromium";
  TempDir profile;
  ChildProcess chromium({"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                         "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                         "--user-data-dir=" + profile.path().string(), "--virtual-time-budget=5000",
                         "--dump-dom", "http://127.0.0.1:" + std::to_string(port_) + "/"},
                        profile.path() / "dom.html", /*borgscope=*/false);
  ASSERT_TRUE(chromium.Wait(Seconds(120))) << "chromium did not finish";
  const std::string dom = chromium.Output();
  // The header figure and the table cells are filled from /api/counts.
  EXPECT_NE(dom.find("<b id=\"events\">460,850</b>"), std::string::npos) << dom.substr(0, 4000);
  const std::string kCell = "<td class=\"count\">";
  uint64_t nonzero = 0;
  for (size_t at = dom.find(kCell); at != std::string::npos; at = dom.find(kCell, at + 1)) {
    const size_t begin = at + kCell.size();
    const std::string text = dom.substr(begin, dom.find('<', begin) - begin);
    nonzero += !text.empty() && text != "0";
  }
  EXPECT_GE(nonzero, 8u) << dom.substr(0, 4000);
  // The page says what a point is: the sample spans 5611 s, ten 10-minute windows.
  EXPECT_NE(dom.find("Each point is one event-time window of 10 min of trace time (--window); "
                     "10 windows so far."),
            std::string::npos)
      << dom.substr(0, 4000);
  if (!MissingAssetsNotice(DashboardAssets()).empty()) {
    // Built without web/node_modules: the page says so instead of drawing.
    EXPECT_NE(dom.find("<p id=\"assets-missing\">"), std::string::npos) << dom.substr(0, 4000);
    return;
  }
  EXPECT_NE(dom.find("uplot"), std::string::npos) << "no chart was drawn";
  // The legends show the newest window's values, not uPlot's "--".
  const std::string kValue = "<td class=\"u-value\">";
  size_t values = 0;
  for (size_t at = dom.find(kValue); at != std::string::npos; at = dom.find(kValue, at + 1)) {
    const size_t begin = at + kValue.size();
    const std::string text = dom.substr(begin, dom.find('<', begin) - begin);
    EXPECT_NE(text, "--") << dom.substr(at, 200);
    ++values;
  }
  EXPECT_GE(values, 6u) << dom.substr(0, 4000);
}

TEST_F(LiveDemoTest, GrafanaDashboardUsesOnlyServedMetrics) {
  const std::filesystem::path path =
      std::filesystem::path(BORGSCOPE_SOURCE_DIR) / "deploy" / "grafana" / "borgscope-stream.json";
  nlohmann::json dashboard = nlohmann::json::parse(ReadText(path));
  std::set<std::string> used;  // metric names in the dashboard's queries
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel["targets"]) {
      const std::string expr = target["expr"];
      for (size_t at = expr.find("borgscope_"); at != std::string::npos;
           at = expr.find("borgscope_", at + 1)) {
        size_t end = at;
        while (end < expr.size() &&
               (std::islower(static_cast<unsigned char>(expr[end])) || expr[end] == '_')) {
          ++end;
        }
        used.insert(expr.substr(at, end - at));
        at = end;
      }
    }
  }
  EXPECT_GE(used.size(), 8u);
  // Some gauges (consumer lag) are first sampled on the stream's 1 s tick.
  std::set<std::string> served;  // metric names with a sample line
  auto serves_all = [&] {
    std::optional<std::string> page = HttpGet(port_, "/metrics");
    if (!page) return false;
    served.clear();
    std::istringstream lines(*page);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] == '#') continue;
      served.insert(line.substr(0, line.find_first_of("{ ")));
    }
    return std::includes(served.begin(), served.end(), used.begin(), used.end());
  };
  WaitUntil(serves_all, Seconds(15));
  for (const std::string& name : used) EXPECT_TRUE(served.count(name)) << name;
}

}  // namespace
}  // namespace borgscope::testing
