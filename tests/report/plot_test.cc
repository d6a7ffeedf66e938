// Plots through gnuplot: scripts read the analysis's own CSV by column name,
// PNG and SVG are drawn with real text, and every failure says what to do.

#include "report/plot.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "errors.h"
#include "test_support.h"
#include "trace/schema.h"

namespace borgscope {
namespace {

using testing::ReadText;
using testing::TempDir;
using testing::WriteBytes;
namespace fs = std::filesystem;

constexpr std::string_view kLoadCsv =
    "resource,usage_bucket,windows,evictions_per_window\n"
    "cpu,0,56,0.25\n"
    "cpu,10,169,0.5\n"
    "cpu,20,0,\n"
    "memory,0,158,0.125\n"
    "memory,10,923,1\n";

PlotSpec LoadSpec() {
  PlotSpec spec{.name = "by_load",
                .title = "Evictions by machine load",
                .x_label = "machine load (% of capacity)",
                .y_label = "EVICT events per machine-window"};
  for (const char* resource : {"cpu", "memory"}) {
    spec.series.push_back({.title = std::string(resource) + " series",
                           .file = "load.csv",
                           .x = {"usage_bucket"},
                           .y = "evictions_per_window",
                           .where = {"resource", resource}});
  }
  return spec;
}

std::string ErrorOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::exception& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(PlotTest, DrawsPngAndSvgWithRealText) {
  TempDir dir;
  WriteBytes(dir.path() / "load.csv", kLoadCsv);
  auto files = RenderPlots({{dir.path(), LoadSpec()}});
  ASSERT_EQ(files,
            (std::vector<std::vector<std::string>>{{"by_load.gp", "by_load.png", "by_load.svg"}}));
  std::string png = ReadText(dir.path() / "by_load.png");
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(0, 8), "\x89PNG\r\n\x1a\n");
  std::string svg = ReadText(dir.path() / "by_load.svg");
  for (const char* text :
       {"<text>Evictions by machine load</text>", "<text>machine load (% of capacity)</text>",
        "<text>EVICT events per machine-window</text>", "<text>cpu series</text>",
        "<text>memory series</text>"}) {
    EXPECT_NE(svg.find(text), std::string::npos) << text;
  }
  // The script beside them reads the CSV itself: no copy of the data.
  std::string gp = ReadText(dir.path() / "by_load.gp");
  EXPECT_NE(gp.find("'load.csv' using"), std::string::npos) << gp;
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 4);
}

TEST(PlotTest, ScriptNamesColumnsAndKeepsCategoryOrder) {
  TempDir dir;
  WriteBytes(dir.path() / "load.csv", kLoadCsv);
  std::string gp = PlotScript(LoadSpec(), dir.path());
  for (const char* text :
       {"set datafile separator ','\n", "set datafile columnheaders\n",
        "set xtics ('0' 0, '10' 1, '20' 2)\n", "set title 'Evictions by machine load'",
        "(strcol('resource') eq 'cpu' && valid(4) ? column('evictions_per_window') : NaN)",
        "category(strcol('usage_bucket')) - 0.2", "category(strcol('usage_bucket')) + 0.2",
        "column('evictions_per_window')", "set output 'by_load.png'\n",
        "set output 'by_load.svg'\n"}) {
    EXPECT_NE(gp.find(text), std::string::npos) << text << "\n" << gp;
  }
}

TEST(PlotTest, SharesScalesJoinedCategoriesAndQuotes) {
  TempDir dir;
  WriteBytes(dir.path() / "configs.csv",
             "cpus,memory,machines,evicted\n0.5,0.25,4,1\n0.5,,2,0\n1,1,3,3\n");
  PlotSpec spec{.name = "configs",
                .title = "Machines' configurations",
                .x_label = "CPU / memory",
                .y_label = "evicted (%)",
                .series = {{.file = "configs.csv",
                            .x = {"cpus", "memory"},
                            .y = "evicted",
                            .per = "machines",
                            .scale = 100}}};
  std::string gp = PlotScript(spec, dir.path());
  EXPECT_NE(gp.find("set title 'Machines'' configurations'"), std::string::npos) << gp;
  EXPECT_NE(gp.find("set xtics ('0.5 / 0.25' 0, '0.5 / unknown' 1, '1 / 1' 2)"), std::string::npos)
      << gp;
  EXPECT_NE(gp.find("100.0 * column('evicted') / column('machines')"), std::string::npos) << gp;
  EXPECT_NE(gp.find("unset key"), std::string::npos);  // one series: no legend
  RenderPlots({{dir.path(), spec}});
  EXPECT_NE(ReadText(dir.path() / "configs.svg").find("0.5 / unknown"), std::string::npos);
}

TEST(PlotTest, NumericLinesOnLogScaleAndEmptyData) {
  TempDir dir;
  WriteBytes(dir.path() / "hours.csv", "hour,samples,mean_cpu\n0,3,0.5\n1,0,\n2,4,0.25\n");
  WriteBytes(dir.path() / "empty.csv", "hour,samples,mean_cpu\n");
  PlotSpec lines{.name = "hours",
                 .title = "By hour",
                 .x_label = "hour",
                 .y_label = "mean",
                 .kind = PlotKind::kLines,
                 .categorical_x = false,
                 .log_y = true,
                 .series = {{.file = "hours.csv", .x = {"hour"}, .y = "mean_cpu"}}};
  PlotSpec empty = lines;
  empty.name = "empty";
  empty.series[0].file = "empty.csv";
  RenderPlots({{dir.path(), lines}, {dir.path(), empty}});
  EXPECT_NE(ReadText(dir.path() / "hours.gp").find("set logscale y"), std::string::npos);
  EXPECT_NE(ReadText(dir.path() / "empty.svg").find("<text>no data</text>"), std::string::npos);
}

// q7's deciles without a task are not written: the line stops at the gap
// instead of joining decile 2 to decile 4 as if they were neighbours.
TEST(PlotTest, LinesBreakWhereXSkipsAStep) {
  TempDir dir;
  WriteBytes(dir.path() / "deciles.csv",
             "resource,decile,mean\ncpu,1,0.1\ncpu,2,0.2\ncpu,4,0.4\ncpu,5,0.5\ncpu,6,0.6\n"
             "memory,1,0.3\nmemory,2,0.3\n");
  PlotSpec spec{.name = "deciles",
                .title = "By decile",
                .x_label = "decile",
                .y_label = "mean",
                .kind = PlotKind::kLines,
                .categorical_x = false,
                .x_step = 1};
  for (const char* resource : {"cpu", "memory"}) {
    spec.series.push_back({.title = resource,
                           .file = "deciles.csv",
                           .x = {"decile"},
                           .y = "mean",
                           .where = {"resource", resource}});
  }
  std::string gp = PlotScript(spec, dir.path());
  // cpu in two pieces (rows 0-1 and 2-4), its legend entry once; memory whole.
  EXPECT_NE(gp.find("plot 'deciles.csv' every ::0::1 using"), std::string::npos) << gp;
  EXPECT_NE(gp.find("'deciles.csv' every ::2::4 using"), std::string::npos) << gp;
  EXPECT_NE(gp.find("with linespoints lt 1 title 'cpu'"), std::string::npos) << gp;
  EXPECT_NE(gp.find("with linespoints lt 1 notitle"), std::string::npos) << gp;
  EXPECT_EQ(gp.find("every ::5"), std::string::npos) << gp;
  EXPECT_NE(gp.find("'deciles.csv' using"), std::string::npos) << gp;
  EXPECT_NE(gp.find("with linespoints lt 2 title 'memory'"), std::string::npos) << gp;
  // Without a step every point is joined, as before.
  spec.x_step = 0;
  EXPECT_EQ(PlotScript(spec, dir.path()).find("every"), std::string::npos);
  spec.x_step = 1;
  RenderPlots({{dir.path(), spec}});
  const std::string svg = ReadText(dir.path() / "deciles.svg");
  EXPECT_NE(svg.find("<text>cpu</text>"), std::string::npos);
  EXPECT_EQ(svg.find("every"), std::string::npos);  // no stray auto-title
}

// A bar too short to see still says its value (q9's near-zero shares).
TEST(PlotTest, ValueLabelsAboveBars) {
  TempDir dir;
  WriteBytes(dir.path() / "shares.csv",
             "resource,share\ncpu,0.0001234\nmemory,0.4321\ndisk,0.000000001\nnet,0\n");
  PlotSpec spec{.name = "shares",
                .title = "Shares",
                .x_label = "resource",
                .y_label = "share (%)",
                .value_labels = true,
                .series = {{.file = "shares.csv", .x = {"resource"}, .y = "share", .scale = 100}}};
  std::string gp = PlotScript(spec, dir.path());
  EXPECT_NE(gp.find("sprintf('%.3g', valid(2) ? 100.0 * column('share') : NaN)) with labels"),
            std::string::npos)
      << gp;
  RenderPlots({{dir.path(), spec}});
  const std::string svg = ReadText(dir.path() / "shares.svg");
  EXPECT_NE(svg.find("<text>0.0123</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("<text>43.2</text>"), std::string::npos);
  EXPECT_NE(svg.find("<text>&lt; 0.001</text>"), std::string::npos);  // not 1e-07
  EXPECT_EQ(svg.find("e-07"), std::string::npos);
  spec.value_labels = false;
  EXPECT_EQ(PlotScript(spec, dir.path()).find("with labels"), std::string::npos);
}

// q10's cpu circles and memory squares fall on the same spots: the first
// series' shapes are larger, so the second's sit inside them, both visible.
TEST(PlotTest, CoincidingPointsStayVisible) {
  TempDir dir;
  WriteBytes(dir.path() / "load.csv", kLoadCsv);
  PlotSpec spec = LoadSpec();
  spec.kind = PlotKind::kPoints;
  spec.categorical_x = false;
  std::string gp = PlotScript(spec, dir.path());
  EXPECT_NE(gp.find("set linetype 1 lc rgb '#4e79a7' lw 2 pt 6 ps 2.4 dt solid\n"),
            std::string::npos)
      << gp;
  EXPECT_NE(gp.find("set linetype 2 lc rgb '#f28e2b' lw 2 pt 4 ps 1.6 dt solid\n"),
            std::string::npos)
      << gp;
}

TEST(PlotTest, BadSpecsNameTheProblem) {
  TempDir dir;
  WriteBytes(dir.path() / "load.csv", kLoadCsv);
  PlotSpec spec = LoadSpec();
  spec.series[1].y = "evictions";
  EXPECT_EQ(ErrorOf([&] { PlotScript(spec, dir.path()); }),
            "plot by_load: load.csv has no column 'evictions'");
  spec = LoadSpec();
  spec.series[0].file = "missing.csv";
  EXPECT_EQ(ErrorOf([&] { PlotScript(spec, dir.path()); }),
            "plot by_load: missing.csv does not exist in " + dir.path().string());
  spec = LoadSpec();
  spec.series.clear();
  EXPECT_EQ(ErrorOf([&] { PlotScript(spec, dir.path()); }), "plot by_load: no series");
  spec = LoadSpec();
  spec.categorical_x = false;
  spec.series[0].x = {"resource"};
  EXPECT_EQ(ErrorOf([&] { PlotScript(spec, dir.path()); }),
            "plot by_load: load.csv column resource holds 'cpu', not a number");
  EXPECT_THROW(PlotScript(spec, dir.path()), InternalError);
}

TEST(PlotTest, MissingGnuplotSaysInstallItOrPassNoPlots) {
  TempDir dir;
  WriteBytes(dir.path() / "load.csv", kLoadCsv);
  for (const char* program : {"/nonexistent/gnuplot", "borgscope-no-such-gnuplot"}) {
    PlotOptions options{.gnuplot = program};
    std::string expected = std::string("cannot run ") + program +
                           " to draw the plots: install gnuplot (Debian: apt-get install "
                           "gnuplot-nox) or pass --no-plots";
    EXPECT_EQ(ErrorOf([&] { RequireGnuplot(options); }), expected);
    EXPECT_EQ(ErrorOf([&] { RenderPlots({{dir.path(), LoadSpec()}}, options); }), expected);
    EXPECT_THROW(RenderPlots({{dir.path(), LoadSpec()}}, options), UsageError);
  }
}

TEST(PlotTest, FailingGnuplotIsAnErrorWithItsMessage) {
  TempDir dir;
  WriteBytes(dir.path() / "load.csv", kLoadCsv);
  fs::path failing = dir.path() / "failing-gnuplot";
  WriteBytes(failing,
             "#!/bin/sh\ncat > /dev/null\necho '\"by_load.gp\" line 3: boom' >&2\nexit 3\n");
  chmod(failing.c_str(), 0755);
  std::string error = ErrorOf([&] {
    RenderPlots({{dir.path(), LoadSpec()}}, {.gnuplot = failing.string()});
  });
  EXPECT_NE(error.find("failed (exit status 3)"), std::string::npos) << error;
  EXPECT_NE(error.find("\"by_load.gp\" line 3: boom"), std::string::npos) << error;

  // One that exits at once without reading its input (our write gets EPIPE,
  // which must not kill the process) nor drawing anything.
  error = ErrorOf([&] { RenderPlots({{dir.path(), LoadSpec()}}, {.gnuplot = "/bin/true"}); });
  EXPECT_NE(error.find("/bin/true wrote no " + (dir.path() / "by_load.png").string()),
            std::string::npos)
      << error;
}

// Through the binary: without gnuplot, analyze stops before the scan and says
// what to do; --no-plots runs without it.
TEST(PlotTest, AnalyzeWithoutGnuplotStopsEarlyUnlessNoPlots) {
  testing::FixtureTrace trace;
  trace.AddShard(Table::kMachineEvents, "0,1,0,,0.5,0.25\n0,2,0,,1,1\n");
  TempDir out;
  const std::string arguments =
      "analyze --quiet --only q1 --trace " + trace.root() + " --out " + out.path().string();
  const fs::path log = out.path() / "no-gnuplot.txt";
  int status = std::system(
      ("PATH=/nonexistent " + testing::kBinary + " " + arguments + " > " + log.string() + " 2>&1")
          .c_str());
  std::string output = ReadText(log);
  EXPECT_EQ(WEXITSTATUS(status), 2) << output;
  EXPECT_NE(output.find("install gnuplot (Debian: apt-get install gnuplot-nox) or pass "
                        "--no-plots"),
            std::string::npos)
      << output;
  EXPECT_FALSE(fs::exists(out.path() / "q1"));

  ASSERT_EQ(testing::RunBinary(arguments + " --no-plots", &output), 0) << output;
  EXPECT_TRUE(fs::exists(out.path() / "q1" / "machines_by_cpu.csv"));
  EXPECT_FALSE(fs::exists(out.path() / "q1" / "machines_by_cpu.png"));
  EXPECT_NE(ReadText(out.path() / "report.html").find("Plots were not drawn (--no-plots)."),
            std::string::npos);

  ASSERT_EQ(testing::RunBinary(arguments, &output), 0) << output;
  for (const char* file : {"machines_by_cpu.gp", "machines_by_cpu.png", "machines_by_cpu.svg",
                           "machines_by_config.png", "machines_by_config.svg"}) {
    EXPECT_GT(fs::file_size(out.path() / "q1" / file), 0u) << file;
  }
}

}  // namespace
}  // namespace borgscope
