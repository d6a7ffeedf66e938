// report.html from what a run wrote: sections in id order, escaped text,
// tables (long ones cut), embedded plots, skipped notes, run metrics.

#include "report/report_html.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace borgscope {
namespace {

using testing::TempDir;
using testing::WriteBytes;

size_t Count(const std::string& text, std::string_view what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

void ExpectContains(const std::string& html, std::string_view text) {
  EXPECT_NE(html.find(text), std::string::npos) << "missing: " << text;
}

class ReportHtmlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.trace_dir = "/traces/<sample> & co";
    options_.out_dir = out_.path().string();
    options_.plots = false;
    WriteBytes(out_.path() / "q1" / "machines_by_cpu.csv",
               "cpus,machines,share\n0.5,3,0.75\n,1,0.25\n");
    WriteBytes(out_.path() / "q1" / "finding.txt", "Most machines have <0.5> & 'half' CPUs.\n");
    std::string histogram = "machines,jobs\n";
    for (int i = 1; i <= 100; ++i) histogram += std::to_string(i) + ",7\n";
    WriteBytes(out_.path() / "q6" / "machines_per_job.csv", histogram);
    WriteBytes(out_.path() / "q6" / "finding.txt", "Jobs spread.\n");

    AnalysisRunMetrics q1, q6;
    q1.id = "q1";
    q1.files = {"machines_by_cpu.csv", "finding.txt"};
    q6.id = "q6";
    q6.files = {"machines_per_job.csv", "finding.txt"};
    summary_.analyses = {q1, q6};
    summary_.skipped = {{"q7", "needs task_usage, which is not in the trace"}};
    TableScanMetrics machine_events;
    machine_events.table = Table::kMachineEvents;
    machine_events.shards = 1;
    machine_events.counters = {.compressed_bytes = 1000, .uncompressed_bytes = 4000, .rows = 321};
    machine_events.seconds = 0.5;
    summary_.tables = {machine_events};
    summary_.notes = {"task_events: 1 of 500 shards present (shards 0-0)"};
    summary_.seconds = 1.25;
  }

  TempDir out_;
  AnalyzeOptions options_;
  AnalyzeSummary summary_;
};

TEST_F(ReportHtmlTest, EscapesText) {
  EXPECT_EQ(HtmlEscape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  std::string html = ReportHtml(summary_, options_);
  ExpectContains(html, "Most machines have &lt;0.5&gt; &amp; &#39;half&#39; CPUs.");
  ExpectContains(html, "<code>/traces/&lt;sample&gt; &amp; co</code>");
  EXPECT_EQ(html.find("<0.5>"), std::string::npos);
}

TEST_F(ReportHtmlTest, SectionsInIdOrderWithQuestionDefinitionFindingAndTables) {
  std::string html = ReportHtml(summary_, options_);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  size_t q1 = html.find("<section class=\"analysis\" id=\"q1\">");
  size_t q6 = html.find("<section class=\"analysis\" id=\"q6\">");
  size_t q7 = html.find("<section class=\"analysis skipped\" id=\"q7\">");
  ASSERT_NE(q1, std::string::npos);
  ASSERT_NE(q6, std::string::npos);
  ASSERT_NE(q7, std::string::npos);
  EXPECT_LT(q1, q6);
  EXPECT_LT(q6, q7);
  EXPECT_EQ(Count(html, "<section "), 3u);  // analyses not in the run have no section
  ExpectContains(html, "<h2><span class=\"id\">q1</span> Machines by CPU capacity</h2>");
  ExpectContains(html, "<p class=\"question\">How many machines are there of each CPU capacity");
  ExpectContains(html, "<p class=\"definition\"><strong>Definition.</strong> Each distinct");
  ExpectContains(html, "<p class=\"finding\"><strong>Finding.</strong> Jobs spread.</p>");
  ExpectContains(html, "<h3 class=\"file\">machines_by_cpu.csv</h3>");
  ExpectContains(html, "<tr><th>cpus</th><th>machines</th><th>share</th></tr>");
  ExpectContains(html,
                 "<tr><td class=\"num\">0.5</td><td class=\"num\">3</td><td "
                 "class=\"num\">0.75</td></tr>");
  ExpectContains(html, "<p class=\"note\">Plots were not drawn (--no-plots).</p>");
}

TEST_F(ReportHtmlTest, LongTablesAreCutWithTheFileName) {
  std::string html = ReportHtml(summary_, options_);
  ExpectContains(html, "<td class=\"num\">30</td>");
  EXPECT_EQ(html.find("<td class=\"num\">31</td>"), std::string::npos);
  ExpectContains(html,
                 "Showing the first 30 of 100 rows; the full table is <a "
                 "href=\"q6/machines_per_job.csv\">q6/machines_per_job.csv</a>.");
}

// q2's power_lost.csv and q9's overcommit.csv are too wide for a laptop's
// column: shown transposed, nothing cut behind a scroll bar.
TEST_F(ReportHtmlTest, WideTablesOfFewRowsAreTransposed) {
  WriteBytes(out_.path() / "q2" / "power_lost.csv",
             "offline_periods,machines_with_offline_period,lost_cpu_us,capacity_cpu_us,"
             "lost_percent,machines_removed_for_good,lost_percent_incl_removed\n"
             "8957,4312,123456789012345,9876543210987654,1.249988613,1095,3.816602111\n");
  WriteBytes(out_.path() / "q9" / "overcommit.csv",
             "resource,machines,machines_ever_overcommitted,overcommitted_machine_time_share,"
             "usage_over_capacity_window_share,up_machine_time_us,overcommitted_machine_time_us,"
             "windows,windows_over_capacity\n"
             "cpu,12477,6189,0.05117254553,,2947261392000000,150819380000000,,\n"
             "memory,12477,3401,0.01832117709,,2947261392000000,53997005000000,,\n");
  for (const char* id : {"q2", "q9"}) WriteBytes(out_.path() / id / "finding.txt", "Found.\n");
  AnalysisRunMetrics q2, q9;
  q2.id = "q2";
  q2.files = {"power_lost.csv"};
  q9.id = "q9";
  q9.files = {"overcommit.csv"};
  summary_.analyses.push_back(q2);
  summary_.analyses.push_back(q9);
  std::string html = ReportHtml(summary_, options_);
  ExpectContains(html,
                 "<table class=\"transposed\">\n<thead><tr><th>column</th><th>value</th></tr>");
  ExpectContains(html,
                 "<tr><td>lost_percent_incl_removed</td><td class=\"num\">3.816602111</td></tr>");
  ExpectContains(html, "<thead><tr><th>resource</th><th>cpu</th><th>memory</th></tr></thead>");
  ExpectContains(html,
                 "<tr><td>overcommitted_machine_time_us</td><td class=\"num\">150819380000000</td>"
                 "<td class=\"num\">53997005000000</td></tr>");
  EXPECT_EQ(Count(html, "Shown transposed"), 2u);
  // Narrow tables stay as they are.
  ExpectContains(html, "<tr><th>cpus</th><th>machines</th><th>share</th></tr>");
  EXPECT_EQ(Count(html, "<table class=\"transposed\">"), 2u);
}

// Column names may wrap after their underscores, so headers do not widen a table.
TEST_F(ReportHtmlTest, ColumnNamesWrapAfterUnderscores) {
  WriteBytes(out_.path() / "q1" / "machines_by_cpu.csv", "cpus,machine_count\n0.5,3\n");
  std::string html = ReportHtml(summary_, options_);
  ExpectContains(html, "<th>machine_<wbr>count</th>");
  ExpectContains(html, "th { white-space: normal; }");
}

TEST_F(ReportHtmlTest, SkippedAnalysesSayWhy) {
  std::string html = ReportHtml(summary_, options_);
  ExpectContains(html, "<h2><span class=\"id\">q7</span> ");
  ExpectContains(html,
                 "<p class=\"skipped-note\"><strong>Skipped:</strong> needs task_usage, "
                 "which is not in the trace.</p>");
  ExpectContains(html, "<li><a href=\"#q7\">q7 ");
  ExpectContains(html, "(skipped)</li>");
}

TEST_F(ReportHtmlTest, HeaderHasRunAndTableMetrics) {
  std::string html = ReportHtml(summary_, options_);
  ExpectContains(html, "<dt>Run time</dt><dd>1.250 s");
  ExpectContains(html, "<dd>task_events: 1 of 500 shards present (shards 0-0)</dd>");
  ExpectContains(html,
                 "<tr><td>machine_events</td><td class=\"num\">1</td><td class=\"num\">321</td>"
                 "<td class=\"num\">0</td><td class=\"num\">1000</td><td class=\"num\">4000</td>"
                 "<td class=\"num\">0.500</td>");
}

TEST_F(ReportHtmlTest, SelfContainedWithPlotsEmbedded) {
  // Any bytes do for the test; "abcd" checks base64's padding.
  WriteBytes(out_.path() / "q1" / "machines_by_cpu.png", "abcd");
  options_.plots = true;
  std::string html = ReportHtml(summary_, options_);
  ExpectContains(html,
                 "<img src=\"data:image/png;base64,YWJjZA==\" alt=\"Machines by CPU "
                 "capacity\"");
  ExpectContains(html, "<a href=\"q1/machines_by_cpu.svg\">SVG</a>");
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);

  WriteReportHtml(summary_, options_, out_.path() / "report.html");
  EXPECT_EQ(testing::ReadText(out_.path() / "report.html").size(), html.size());
}

}  // namespace
}  // namespace borgscope
