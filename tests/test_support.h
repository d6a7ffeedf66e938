#pragma once
// Helpers shared by the tests: temporary trace folders built from literal CSV
// text, and file reading.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>

#include "io/gzip_writer.h"
#include "io/shards.h"
#include "trace/schema.h"

namespace borgscope::testing {

namespace fs = std::filesystem;

inline const fs::path kSampleDir = BORGSCOPE_SAMPLE_DIR;
inline const std::string kBinary = BORGSCOPE_BINARY;

// A fresh folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name =
        info != nullptr ? std::string(info->test_suite_name()) + "." + info->name() : "borgscope";
    path_ = fs::temp_directory_path() / ("borgscope-" + name + "-" + std::to_string(getpid()) +
                                         "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline void WriteGzip(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  GzipWriter writer(path.string());
  writer.Write(text);
  writer.Close();
}

inline void WriteBytes(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string ReadText(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file.good()) << "cannot read " << path;
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

// A trace folder built from literal CSV text, one shard at a time.
class FixtureTrace {
 public:
  void AddShard(Table table, std::string_view csv, uint32_t index = 0, uint32_t count = 1) {
    WriteGzip(dir_.path() / std::string(TableName(table)) / ShardFileName(index, count), csv);
  }
  std::string root() const { return dir_.path().string(); }

 private:
  TempDir dir_;
};

// Runs the borgscope binary with `arguments`; returns its exit status and
// fills `output` with stdout and stderr together.
// Every file an `analyze` run wrote under `out`, by relative path, except
// metrics.json and report.html, which hold timings and the run's settings.
inline std::map<std::string, std::string> ResultFiles(const fs::path& out) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name == "metrics.json" || name == "report.html") continue;
    files[fs::relative(entry.path(), out).string()] = ReadText(entry.path());
  }
  return files;
}

// Runs a shell command line; its stdout and stderr go to `output`.
inline int RunCommand(const std::string& command_line, std::string* output = nullptr) {
  TempDir dir;
  fs::path log = dir.path() / "output.txt";
  std::string command = "(" + command_line + ") > " + log.string() + " 2>&1";
  int status = std::system(command.c_str());
  if (output != nullptr) *output = ReadText(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline int RunBinary(const std::string& arguments, std::string* output = nullptr) {
  return RunCommand(kBinary + " " + arguments, output);
}

// The folder of a trace made by `borgscope gen --scale SCALE --seed SEED`:
// made once per test process and (scale, seed), removed at exit.
inline const std::string& GeneratedTrace(const std::string& scale, int seed) {
  static std::map<std::pair<std::string, int>, std::pair<TempDir, std::string>> traces;
  auto [it, made] = traces.try_emplace({scale, seed});
  if (made) {
    it->second.second = (it->second.first.path() / "trace").string();
    EXPECT_EQ(RunBinary("gen --quiet --scale " + scale + " --seed " + std::to_string(seed) +
                        " --out " + it->second.second),
              0);
  }
  return it->second.second;
}

}  // namespace borgscope::testing
