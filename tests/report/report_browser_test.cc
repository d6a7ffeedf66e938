// report.html in a real browser: `analyze` of a small generated trace (all
// eleven analyses), then headless Chromium loads the page and a test-only
// script appended to a copy of it records what rendered: every section with
// its finding, every plot decoded (naturalWidth > 0), and no table cut
// behind a scroll bar in a laptop-sized window.

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace borgscope::testing {
namespace {

// Written into the DOM on load, so that --dump-dom shows it.
constexpr std::string_view kProbe = R"js(
<script>
window.addEventListener('load', () => {
  const sections = {};
  for (const section of document.querySelectorAll('section.analysis')) {
    const finding = section.querySelector('.finding');
    const images = [...section.querySelectorAll('img')];
    sections[section.id] = {
      finding: finding ? finding.textContent : '',
      images: images.length,
      decoded: images.filter(image => image.complete && image.naturalWidth > 0).length,
      tables: section.querySelectorAll('table').length,
      // Tables cut behind a scroll bar (wider than the page's column).
      cut: [...section.querySelectorAll('.scroll')]
               .filter(box => box.scrollWidth > box.clientWidth + 1)
               .map(box => box.previousElementSibling ? box.previousElementSibling.textContent : ''),
    };
  }
  const probe = document.createElement('pre');
  probe.id = 'borgscope-probe';
  probe.textContent = JSON.stringify(sections);
  document.body.appendChild(probe);
});
</script>
)js";

// The DOM serializer escapes & < > and no-break spaces in text.
std::string UnescapeText(std::string_view text) {
  static constexpr std::pair<std::string_view, std::string_view> kEntities[] = {
      {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&nbsp;", "\u00a0"}};
  std::string plain;
  for (size_t i = 0; i < text.size();) {
    auto entity = std::find_if(std::begin(kEntities), std::end(kEntities),
                               [&](const auto& e) { return text.substr(i).starts_with(e.first); });
    if (entity == std::end(kEntities)) {
      plain += text[i++];
    } else {
      plain += entity->second;
      i += entity->first.size();
    }
  }
  return plain;
}

bool HaveChromium() { return std::system("command -v chromium > /dev/null 2>&1") == 0; }

// Runs headless Chromium with a fresh profile; its stdout goes to `stdout_path`.
int RunChromium(const TempDir& dir, const std::string& arguments, const fs::path& stdout_path) {
  static int run = 0;
  fs::path profile = dir.path() / ("profile-" + std::to_string(run++));
  std::string command =
      "timeout --kill-after=5 60 chromium --headless --no-sandbox --disable-gpu --disable-quic "
      "--no-first-run --disable-background-networking --disable-component-update --disable-sync "
      "--disable-dev-shm-usage --user-data-dir=" +
      profile.string() + " " + arguments + " > " + stdout_path.string() + " 2> " +
      (dir.path() / "chromium-stderr.txt").string();
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ReportBrowserTest, EverySectionAndPlotRendersInChromium) {
  if (!HaveChromium()) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  TempDir dir;
  const fs::path trace = dir.path() / "trace", out = dir.path() / "out";
  std::string output;
  ASSERT_EQ(RunBinary("gen --quiet --out " + trace.string() + " --scale 0.01", &output), 0)
      << output;
  ASSERT_EQ(
      RunBinary("analyze --quiet --trace " + trace.string() + " --out " + out.string(), &output), 0)
      << output;

  std::string html = ReadText(out / "report.html");
  size_t body_end = html.rfind("</body>");
  ASSERT_NE(body_end, std::string::npos);
  const fs::path probed = out / "report-probed.html";  // beside it: same relative links
  WriteBytes(probed, html.substr(0, body_end) + std::string(kProbe) + html.substr(body_end));

  const fs::path dom = dir.path() / "dom.html";
  ASSERT_EQ(RunChromium(dir,
                        "--virtual-time-budget=5000 --window-size=1280,800 --dump-dom file://" +
                            probed.string(),
                        dom),
            0)
      << ReadText(dir.path() / "chromium-stderr.txt");
  std::string text = ReadText(dom);
  const std::string start = "<pre id=\"borgscope-probe\">";
  size_t at = text.find(start);
  ASSERT_NE(at, std::string::npos) << text.substr(0, 2000);
  size_t end = text.find("</pre>", at);
  ASSERT_NE(end, std::string::npos);
  nlohmann::json sections = nlohmann::json::parse(
      UnescapeText(std::string_view(text).substr(at + start.size(), end - at - start.size())));

  ASSERT_EQ(sections.size(), 11u) << sections.dump(2);
  for (int q = 1; q <= 11; ++q) {
    const std::string id = std::string("q").append(std::to_string(q));
    ASSERT_TRUE(sections.contains(id)) << id;
    const auto& section = sections[id];
    std::string finding = ReadText(out / id / "finding.txt");
    while (!finding.empty() && finding.back() == '\n') finding.pop_back();
    EXPECT_EQ(section["finding"].get<std::string>(), "Finding. " + finding) << id;
    EXPECT_GE(section["images"].get<int>(), 1) << id;
    EXPECT_EQ(section["decoded"], section["images"]) << id << ": a plot did not decode";
    EXPECT_GE(section["tables"].get<int>(), 1) << id;
    // A laptop's 1280 px window shows every table whole.
    EXPECT_EQ(section["cut"], nlohmann::json::array()) << id;
  }

  // A screenshot, for people: the page lays out and paints.
  const fs::path screenshot = dir.path() / "report.png";
  ASSERT_EQ(RunChromium(dir,
                        "--virtual-time-budget=5000 --window-size=1280,4000 --screenshot=" +
                            screenshot.string() + " file://" + (out / "report.html").string(),
                        dir.path() / "screenshot-stdout.txt"),
            0)
      << ReadText(dir.path() / "chromium-stderr.txt");
  ASSERT_TRUE(fs::exists(screenshot));
  EXPECT_GT(fs::file_size(screenshot), 20000u);
  if (const char* keep = std::getenv("BORGSCOPE_KEEP_SCREENSHOT"))
    fs::copy_file(screenshot, keep, fs::copy_options::overwrite_existing);
}

}  // namespace
}  // namespace borgscope::testing
