#pragma once
// Helpers for the streaming tests: child processes that are always killed,
// bounded waits, HTTP GETs on loopback, and the expected counts of the real
// sample shards computed independently of the stream (plain splitting).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "io/gzip_reader.h"
#include "test_support.h"
#include "trace/schema.h"

namespace borgscope::testing {

using Seconds = std::chrono::duration<double>;
// "task_events,0,SUBMIT" -> events
using CountMap = std::map<std::string, uint64_t>;

// A child process (argv[0] is the borgscope binary unless told otherwise),
// stdout and stderr to `log`. Killed with SIGKILL when the object dies.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> arguments, std::filesystem::path log, bool borgscope = true)
      : log_(std::move(log)) {
    if (borgscope) arguments.insert(arguments.begin(), kBinary);
    // Opened here, so the log exists as soon as the constructor returns.
    int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      setpgid(0, 0);  // own group: a kill reaches its children too (chromium)
      std::vector<char*> argv;
      for (std::string& argument : arguments) argv.push_back(argument.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fd);
  }
  ~ChildProcess() { Kill(SIGKILL); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void Kill(int signal_number) {
    if (pid_ <= 0 || exited_) return;
    // One signal to the child's group (a second SIGTERM would mean "hurry").
    if (kill(-pid_, signal_number) != 0) kill(pid_, signal_number);
    if (signal_number == SIGKILL) Wait(Seconds(10));
  }
  // The exit status, or nullopt if it is still running after `timeout`.
  std::optional<int> Wait(Seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exited_) {
      int status = 0;
      pid_t done = waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        exited_ = true;
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return status_;
  }
  std::string Output() const { return ReadText(log_); }
  // Waits until the output holds `prefix` followed by digits; returns them.
  // (No std::regex in these tests: GCC 12's ASan build warns inside it.)
  std::optional<std::string> WaitForNumberAfter(const std::string& prefix, Seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::string text = Output();
      size_t at = text.find(prefix);
      if (at != std::string::npos) {
        size_t begin = at + prefix.size(), end = begin;
        while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
        if (end > begin) return text.substr(begin, end - begin);
      }
      if (Wait(Seconds(0))) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::nullopt;
  }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = -1;
};

// Polls `ready` until it is true or `timeout` passes.
inline bool WaitUntil(const std::function<bool()>& ready, Seconds timeout,
                      std::chrono::milliseconds every = std::chrono::milliseconds(200)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(every);
  }
  return ready();
}

// A port free on 127.0.0.1 right now.
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

inline std::optional<std::string> HttpGet(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(10);
  auto response = client.Get(path.c_str());
  if (!response || response->status != 200) return std::nullopt;
  return response->body;
}

// The value of label `name` in a series line, e.g. table="task_events".
inline std::string LabelValue(const std::string& line, const std::string& name) {
  const std::string key = name + "=\"";
  size_t at = line.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  return line.substr(at, line.find('"', at) - at);
}

// borgscope_events_total series of a /metrics page.
inline CountMap ParseEventsTotal(const std::string& page) {
  const std::string kPrefix = "borgscope_events_total{";
  CountMap counts;
  std::istringstream lines(page);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(kPrefix, 0) != 0) continue;
    counts[LabelValue(line, "table") + "," + LabelValue(line, "scheduling_class") + "," +
           LabelValue(line, "event_type")] = std::stoull(line.substr(line.rfind(' ') + 1));
  }
  return counts;
}

// The value of an unlabelled sample `name` on a /metrics page (0 if absent).
inline double SampleValue(const std::string& page, const std::string& name) {
  const std::string key = "\n" + name + " ";
  size_t at = page.find(key);
  return at == std::string::npos ? 0 : std::stod(page.substr(at + key.size()));
}

// The keys whose counts differ, "key: got vs expected", for failure messages.
inline std::string CountDifferences(const CountMap& got, const CountMap& expected) {
  std::string text;
  for (const auto& [key, count] : expected) {
    auto it = got.find(key);
    uint64_t value = it == got.end() ? 0 : it->second;
    if (value != count)
      text += key + ": " + std::to_string(value) + " vs " + std::to_string(count) + "\n";
  }
  for (const auto& [key, count] : got) {
    if (!expected.count(key)) text += key + ": " + std::to_string(count) + " vs 0\n";
  }
  return text;
}

inline uint64_t Sum(const CountMap& counts) {
  uint64_t sum = 0;
  for (const auto& [key, count] : counts) sum += count;
  return sum;
}

// Rows per (table, class, event type) of the sample's job_events and
// task_events, by plain splitting of the inflated text.
inline const CountMap& SampleCounts() {
  static const CountMap counts = [] {
    CountMap result;
    for (auto [table, class_column, type_column] :
         {std::tuple{"job_events", 5, 3}, std::tuple{"task_events", 7, 5}}) {
      for (const auto& entry : std::filesystem::directory_iterator(kSampleDir / table)) {
        GzipReader reader(entry.path().string());
        std::string text, chunk(1 << 20, '\0');
        while (size_t read = reader.Read(chunk.data(), chunk.size())) text.append(chunk, 0, read);
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);) {
          std::vector<std::string> fields;
          std::stringstream row(line);
          for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
          while (fields.size() < 13) fields.emplace_back();
          result[std::string(table) + "," + fields[class_column] + "," +
                 std::string(EventTypeName(std::stoll(fields[type_column])))]++;
        }
      }
    }
    return result;
  }();
  return counts;
}

// q3/events_by_class_and_type.csv of `borgscope analyze --only q3` on the sample.
inline const CountMap& BatchQ3Counts() {
  static const CountMap counts = [] {
    static TempDir out;
    std::string output;
    int status = RunBinary(
        "analyze --trace " + kSampleDir.string() + " --only q3 -q --out " + out.path().string(),
        &output);
    EXPECT_EQ(status, 0) << output;
    CountMap result;
    std::istringstream lines(ReadText(out.path() / "q3" / "events_by_class_and_type.csv"));
    std::string line;
    std::getline(lines, line);  // header
    while (std::getline(lines, line)) {
      size_t last = line.rfind(',');
      result[line.substr(0, last)] = std::stoull(line.substr(last + 1));
    }
    return result;
  }();
  return counts;
}

inline constexpr uint64_t kSampleEvents = 10'704 + 450'146;

}  // namespace borgscope::testing
