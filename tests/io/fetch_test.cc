// `borgscope fetch` against fake buckets served on 127.0.0.1 by
// fake_bucket.py (beside this file); no test reaches the internet.

#include "io/fetch.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "errors.h"
#include "io/fetch_checksums.h"
#include "io/fetch_shard.h"
#include "test_support.h"

namespace borgscope::testing {
namespace {

// --- SHA256SUM and SHA-256 --------------------------------------------------

const std::string kDigestA(64, 'a');
const std::string kDigestB(64, 'b');

TEST(FetchChecksums, ParsesSha256SumLines) {
  std::vector<RemoteShard> shards = ParseSha256Sums(
      kDigestA + "  task_events/part-00001-of-00500.csv.gz\n" +      // text mode
      kDigestB + " *./task_events/part-00000-of-00500.csv.gz\r\n" +  // binary marker, "./"
      "\n" +                                                         // blank
      std::string(64, 'C') + "  clusterdata-2011-2/machine_events/part-00000-of-00001.csv.gz\n" +
      kDigestA + "  schema.csv\n" +                              // not a shard
      kDigestA + "  README\n" +                                  // not a shard
      kDigestA + "  part-00000-of-00001.csv.gz\n" +              // which table? ignored
      kDigestA + "  other_table/part-00000-of-00001.csv.gz\n");  // not one of the six
  ASSERT_EQ(shards.size(), 3u);
  // kAllTables order: machine_events first; then by index.
  EXPECT_EQ(shards[0].RelativePath(), "machine_events/part-00000-of-00001.csv.gz");
  EXPECT_EQ(shards[0].sha256, std::string(64, 'c'));  // lowercased
  EXPECT_EQ(shards[1].RelativePath(), "task_events/part-00000-of-00500.csv.gz");
  EXPECT_EQ(shards[1].sha256, kDigestB);
  EXPECT_EQ(shards[2].RelativePath(), "task_events/part-00001-of-00500.csv.gz");
  EXPECT_EQ(shards[2].index, 1u);
  EXPECT_EQ(shards[2].count, 500u);
  EXPECT_TRUE(ParseSha256Sums("").empty());
}

TEST(FetchChecksums, RejectsMalformedAndContradictoryLines) {
  auto message = [](const std::string& text) {
    try {
      ParseSha256Sums(text);
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(kDigestA + "  job_events/part-00000-of-00500.csv.gz\nnot a checksum line\n"),
            "SHA256SUM line 2: expected '<64 hex digits>  <path>', got 'not a checksum line'");
  EXPECT_EQ(
      message(std::string(63, 'a') + "g  job_events/part-00000-of-00500.csv.gz\n").substr(0, 19),
      "SHA256SUM line 1: e");
  EXPECT_EQ(message(kDigestA + "  job_events/part-00000-of-00500.csv.gz\n" + kDigestA +
                    "  job_events/part-00001-of-00499.csv.gz\n"),
            "SHA256SUM line 2: job_events has 499 shards here and 500 before");
  EXPECT_EQ(message(kDigestA + "  job_events/part-00000-of-00500.csv.gz\n" + kDigestB +
                    "  ./job_events/part-00000-of-00500.csv.gz\n"),
            "SHA256SUM line 2: job_events/part-00000-of-00500.csv.gz is listed twice with "
            "different digests");
}

TEST(FetchChecksums, Sha256KnownAnswers) {
  // FIPS 180-2 examples.
  Sha256 hasher;
  EXPECT_EQ(hasher.FinishHex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  hasher.Update("a");
  hasher.Update("bc");
  EXPECT_EQ(hasher.FinishHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  TempDir dir;
  WriteBytes(dir.path() / "abc", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  EXPECT_EQ(Sha256OfFile((dir.path() / "abc").string()),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(FetchChecksums, SelectShardsByTableAndRange) {
  std::vector<RemoteShard> listed =
      ParseSha256Sums(kDigestA + "  task_events/part-00000-of-00003.csv.gz\n" + kDigestA +
                      "  task_events/part-00001-of-00003.csv.gz\n" + kDigestA +
                      "  task_events/part-00002-of-00003.csv.gz\n" + kDigestA +
                      "  machine_events/part-00000-of-00001.csv.gz\n");
  auto paths = [](const std::vector<RemoteShard>& shards) {
    std::vector<std::string> out;
    for (const RemoteShard& shard : shards) out.push_back(shard.RelativePath());
    return out;
  };
  // A one-shard table comes whole whatever the range; --tables order does not matter.
  EXPECT_EQ(paths(SelectShards(listed, {Table::kTaskEvents, Table::kMachineEvents},
                               ParseShardRange("1-5"))),
            (std::vector<std::string>{"machine_events/part-00000-of-00001.csv.gz",
                                      "task_events/part-00001-of-00003.csv.gz",
                                      "task_events/part-00002-of-00003.csv.gz"}));
  EXPECT_THROW(SelectShards(listed, {Table::kTaskEvents}, ParseShardRange("7-9")), UsageError);
  EXPECT_THROW(SelectShards(listed, {Table::kJobEvents}, {}), DataError);  // not listed
}

// --- The fake bucket ----------------------------------------------------------

// fake_bucket.py, started once for all tests of this process (Python starts
// slowly); each test serves its own bucket folder under root().
class FakeBucketServer {
 public:
  FakeBucketServer() {
    const std::string script = (fs::path(__FILE__).parent_path() / "fake_bucket.py").string();
    const std::string root = root_.path().string();
    const fs::path port_file = work_.path() / "port";
    const std::string port_path = port_file.string();
    const std::string output = (work_.path() / "server.log").string();
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      // Gone after 120 s or with this process at the latest.
      // -I -S: no site-packages or environment to read; it starts faster.
      execlp("python3", "python3", "-I", "-S", script.c_str(), "--root", root.c_str(),
             "--port-file", port_path.c_str(), "--lifetime", "120", static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (fs::exists(port_file)) {
        port_ = std::stoi(ReadText(port_file));
        return;
      }
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "fake_bucket.py did not start: " << ReadText(output);
  }
  ~FakeBucketServer() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }
  const fs::path& root() const { return root_.path(); }

 private:
  TempDir root_;
  TempDir work_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Shards of the fixture: q3's hand-counted jobs and tasks (see
// q03_jobs_tasks_by_class_test.cc), split in two shards each, and a line or two
// for the other tables.
struct FixtureShard {
  Table table;
  uint32_t index;
  uint32_t count;
  const char* csv;
};
const FixtureShard kFixture[] = {
    {Table::kMachineEvents, 0, 1, "0,5,0,P,0.5,0.5\n0,6,0,P,0.25,0.25\n"},
    {Table::kMachineAttributes, 0, 1, "0,5,A,1,0\n"},
    {Table::kJobEvents, 0, 2,
     "0,,1,0,U,0,N,L\n10,,1,1,U,0,N,L\n20,,2,0,U,2,N,L\n30,,3,0,U,2,N,L\n"},
    {Table::kJobEvents, 1, 2, "40,,4,0,U,,N,L\n50,,3,5,U,2,N,L\n90,,1,4,U,0,N,L\n"},
    {Table::kTaskEvents, 0, 2,
     "0,,1,0,,0,U,0,9,0.125,0.0625,0.0001,0\n0,,1,1,,0,U,0,9,0.125,0.0625,0.0001,0\n"
     "10,,1,0,5,1,U,0,9,0.125,0.0625,0.0001,0\n10,,1,1,6,1,U,0,9,,,,\n"
     "30,,3,0,,0,U,2,0,3.815e-05,0.001,,1\n"},
    {Table::kTaskEvents, 1, 2,
     "40,,3,0,,5,U,2,0,,,,\n60,,7,0,,0,U,3,11,0.5,0.5,0.5,\n"
     "60,,7,4294967296,,0,U,3,11,0.5,0.5,0.5,\n90,,1,0,5,4,U,0,9,,,,\n"},
    {Table::kTaskConstraints, 0, 2, "0,1,0,0,A,1\n"},
    {Table::kTaskConstraints, 1, 2, "40,3,0,1,A,2\n"},
    {Table::kTaskUsage, 0, 2,
     "600000000,900000000,1,0,5,0.1,0.1,0.1,0,0,0.1,0,0,0.2,0,1,0,0,0,0\n"},
    {Table::kTaskUsage, 1, 2,
     "900000000,1200000000,1,0,5,0.1,0.1,0.1,0,0,0.1,0,0,0.2,0,1,0,0,0,0\n"},
};
constexpr size_t kFixtureFiles = std::size(kFixture);

std::string RelativePath(Table table, uint32_t index, uint32_t count) {
  return std::string(TableName(table)) + "/" + ShardFileName(index, count);
}

// A loopback port nobody listens on (the kernel's pick, released again).
int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), length), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  close(fd);
  return ntohs(address.sin_port);
}

// The real machine_events shard (347 kB): big enough to cut in the middle.
const std::string kRealMachineEvents = RelativePath(Table::kMachineEvents, 0, 1);

class FetchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new FakeBucketServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_->port(), 0) << "no fake bucket server";
    static int buckets = 0;  // unique also under --gtest_repeat
    bucket_ = server_->root() /
              fmt::format("{}-{}", ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                          buckets++);
  }

  // This test's bucket: served at Url(), logged in <bucket>.log.
  const fs::path& Bucket() const { return bucket_; }
  std::string Url() const {
    return fmt::format("http://127.0.0.1:{}/{}", server_->port(), Bucket().filename().string());
  }
  void AddFixtureShards() const {
    for (const FixtureShard& shard : kFixture) {
      WriteGzip(Bucket() / RelativePath(shard.table, shard.index, shard.count), shard.csv);
    }
  }
  void AddRealMachineEvents() const {
    fs::create_directories(Bucket() / "machine_events");
    fs::copy_file(kSampleDir / kRealMachineEvents, Bucket() / kRealMachineEvents);
  }
  void SetFaults(const nlohmann::json& faults) const {
    fs::create_directories(Bucket());
    WriteBytes(Bucket() / "faults.json", faults.dump());
  }
  // Runs `borgscope fetch` against this test's bucket, retries 100x faster.
  int Fetch(const std::string& arguments, std::string* output = nullptr) const {
    return RunBinary("fetch --base-url " + Url() + " --retry-delay 0.01 " + arguments, output);
  }
  // "GET /task_events/part-00000-of-00002.csv.gz - 200", one per request.
  std::vector<std::string> Requests() const {
    std::vector<std::string> lines;
    std::istringstream log(ReadText(Bucket().string() + ".log"));
    for (std::string line; std::getline(log, line);) lines.push_back(line);
    return lines;
  }
  std::vector<std::string> RequestsFor(const std::string& relative_path) const {
    std::vector<std::string> lines;
    for (const std::string& line : Requests()) {
      if (line.find(" /" + relative_path + " ") != std::string::npos) lines.push_back(line);
    }
    return lines;
  }
  // The files under `dir`, relative, sorted (sidecars and .part files too).
  static std::vector<std::string> Files(const fs::path& dir) {
    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), dir).string());
    }
    std::sort(files.begin(), files.end());
    return files;
  }
  void ExpectSameFile(const fs::path& dest, const std::string& relative) const {
    ASSERT_TRUE(fs::exists(dest / relative)) << relative;
    EXPECT_TRUE(ReadText(dest / relative) == ReadText(Bucket() / relative)) << relative;
  }

  static FakeBucketServer* server_;
  fs::path bucket_;
  TempDir dest_;
};

FakeBucketServer* FetchTest::server_ = nullptr;

TEST_F(FetchTest, DownloadsEveryTableAndAnalyzeReadsThem) {
  AddFixtureShards();
  std::string output;
  ASSERT_EQ(Fetch("--dest " + dest_.path().string(), &output), 0) << output;
  EXPECT_NE(output.find("10 files in " + dest_.path().string() + ": 10 downloaded"),
            std::string::npos)
      << output;
  for (const FixtureShard& shard : kFixture) {
    ExpectSameFile(dest_.path(), RelativePath(shard.table, shard.index, shard.count));
  }
  for (const std::string& file : Files(dest_.path())) {
    EXPECT_FALSE(file.ends_with(".part")) << file;  // nothing half-done is left
  }
  // The fetched folder is a trace `analyze` reads: q3's hand-counted answers.
  TempDir out;
  ASSERT_EQ(RunBinary("analyze --quiet --only q3 --trace " + dest_.path().string() + " --out " +
                          out.path().string(),
                      &output),
            0)
      << output;
  EXPECT_EQ(ReadText(out.path() / "q3/jobs_by_class.csv"),
            "scheduling_class,jobs,share\n"
            "0,1,0.25\n"
            "2,2,0.5\n"
            ",1,0.25\n");
  EXPECT_EQ(ReadText(out.path() / "q3/tasks_by_class.csv"),
            "scheduling_class,tasks,share\n"
            "0,2,0.4\n"
            "2,1,0.2\n"
            "3,2,0.4\n");
}

TEST_F(FetchTest, CorruptDownloadIsAnErrorAndIsNotKept) {
  AddFixtureShards();
  const std::string bad = RelativePath(Table::kTaskEvents, 1, 2);
  SetFaults({{"corrupt", {bad}}});
  std::string output;
  EXPECT_EQ(
      Fetch("--quiet --tables task_events,job_events --dest " + dest_.path().string(), &output), 1);
  EXPECT_NE(output.find("borgscope: error: " + bad + ": SHA-256 mismatch: SHA256SUM says "),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("; the file was not kept"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(dest_.path() / bad));
  EXPECT_FALSE(fs::exists(PartPath(dest_.path() / bad)));
  ExpectSameFile(dest_.path(), RelativePath(Table::kTaskEvents, 0, 2));
  ExpectSameFile(dest_.path(), RelativePath(Table::kJobEvents, 1, 2));
  EXPECT_EQ(RequestsFor(bad).size(), 1u);  // a full download that mismatches is not retried
}

TEST_F(FetchTest, DroppedConnectionResumesWithARange) {
  AddRealMachineEvents();
  SetFaults({{"drop", {{kRealMachineEvents, 200000}}}});
  std::string output;
  ASSERT_EQ(Fetch("--quiet --tables machine_events --dest " + dest_.path().string(), &output), 0)
      << output;
  ExpectSameFile(dest_.path(), kRealMachineEvents);
  EXPECT_EQ(RequestsFor(kRealMachineEvents),
            (std::vector<std::string>{"GET /" + kRealMachineEvents + " - 200",
                                      "GET /" + kRealMachineEvents + " bytes=200000- 206"}));
}

TEST_F(FetchTest, InterruptedRunResumesFromThePartFile) {
  AddRealMachineEvents();
  // What a killed run leaves: the first 100000 bytes under the .part name.
  const fs::path final_path = dest_.path() / kRealMachineEvents;
  WriteBytes(PartPath(final_path), ReadText(Bucket() / kRealMachineEvents).substr(0, 100000));
  std::string output;
  ASSERT_EQ(Fetch("--quiet --dest " + dest_.path().string() + " --tables machine_events", &output),
            0)
      << output;
  ExpectSameFile(dest_.path(), kRealMachineEvents);
  EXPECT_FALSE(fs::exists(PartPath(final_path)));
  EXPECT_EQ(RequestsFor(kRealMachineEvents),
            (std::vector<std::string>{"GET /" + kRealMachineEvents + " bytes=100000- 206"}));
}

TEST_F(FetchTest, PartFileWithWrongBytesIsDownloadedAgain) {
  AddRealMachineEvents();
  const fs::path final_path = dest_.path() / kRealMachineEvents;
  WriteBytes(PartPath(final_path), std::string(1000, 'x'));  // not a prefix of the file
  std::string output;
  ASSERT_EQ(Fetch("--quiet --dest " + dest_.path().string() + " --tables machine_events", &output),
            0)
      << output;
  ExpectSameFile(dest_.path(), kRealMachineEvents);
  EXPECT_EQ(RequestsFor(kRealMachineEvents),
            (std::vector<std::string>{"GET /" + kRealMachineEvents + " bytes=1000- 206",
                                      "GET /" + kRealMachineEvents + " - 200"}));
}

TEST_F(FetchTest, ServerIgnoringRangeStartsTheFileOver) {
  AddRealMachineEvents();
  SetFaults({{"drop", {{kRealMachineEvents, 150000}}}, {"ignore_range", {kRealMachineEvents}}});
  std::string output;
  ASSERT_EQ(Fetch("--quiet --dest " + dest_.path().string() + " --tables machine_events", &output),
            0)
      << output;
  ExpectSameFile(dest_.path(), kRealMachineEvents);
  EXPECT_EQ(RequestsFor(kRealMachineEvents),
            (std::vector<std::string>{"GET /" + kRealMachineEvents + " - 200",
                                      "GET /" + kRealMachineEvents + " bytes=150000- 200"}));
}

TEST_F(FetchTest, RetriesAfter503) {
  AddFixtureShards();
  const std::string flaky = RelativePath(Table::kJobEvents, 0, 2);
  SetFaults({{"status", {{flaky, {503, 2}}, {"SHA256SUM", {500, 1}}}}});
  std::string output;
  ASSERT_EQ(Fetch("--quiet --tables job_events --dest " + dest_.path().string(), &output), 0)
      << output;
  ExpectSameFile(dest_.path(), flaky);
  EXPECT_EQ(RequestsFor(flaky),
            (std::vector<std::string>{"GET /" + flaky + " - 503", "GET /" + flaky + " - 503",
                                      "GET /" + flaky + " - 200"}));
  EXPECT_EQ(RequestsFor("SHA256SUM").size(), 2u);
}

TEST_F(FetchTest, GivesUpWhenTheRetriesAreSpent) {
  AddFixtureShards();
  const std::string down = RelativePath(Table::kJobEvents, 1, 2);
  SetFaults({{"status", {{down, {503, nullptr}}}}});
  std::string output;
  EXPECT_EQ(
      Fetch("--quiet --retries 2 --tables job_events --dest " + dest_.path().string(), &output), 1);
  EXPECT_NE(output.find("borgscope: error: " + down + ": gave up after 3 attempts, last: HTTP 503"),
            std::string::npos)
      << output;
  EXPECT_EQ(RequestsFor(down).size(), 3u);
  EXPECT_FALSE(fs::exists(dest_.path() / down));
  ExpectSameFile(dest_.path(), RelativePath(Table::kJobEvents, 0, 2));
}

TEST_F(FetchTest, StopsTryingWhenTheNetworkIsGone) {
  AddFixtureShards();
  nlohmann::json status;
  for (const FixtureShard& shard : kFixture) {
    status[RelativePath(shard.table, shard.index, shard.count)] = {503, nullptr};
  }
  SetFaults({{"status", status}});
  std::string output;
  EXPECT_EQ(Fetch("--quiet --retries 0 --jobs 1 --dest " + dest_.path().string(), &output), 1);
  // --jobs 1: after max(4, 2 x 1) files in a row the other 6 are not tried.
  EXPECT_EQ(Requests().size(), 1u + 4u);
  EXPECT_NE(output.find("borgscope: error: " + RelativePath(Table::kMachineEvents, 0, 1) +
                        ": gave up after 1 attempt, last: HTTP 503"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("borgscope: error: " + RelativePath(Table::kTaskUsage, 1, 2) +
                        ": not tried: 4 files in a row failed on network errors"),
            std::string::npos)
      << output;
}

TEST_F(FetchTest, MissingShardIsReportedAndTheOthersArrive) {
  AddFixtureShards();
  const std::string missing = RelativePath(Table::kTaskUsage, 1, 2);
  SetFaults({{"status", {{missing, {404, nullptr}}}}});
  std::string output;
  EXPECT_EQ(Fetch("--dest " + dest_.path().string(), &output), 1);
  EXPECT_NE(output.find("borgscope: error: " + missing + ": missing on the server (HTTP 404)"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("10 files in " + dest_.path().string() + ": 9 downloaded"),
            std::string::npos)
      << output;
  EXPECT_EQ(RequestsFor(missing).size(), 1u);  // a 404 is not retried
  EXPECT_FALSE(fs::exists(dest_.path() / missing));
  for (const FixtureShard& shard : kFixture) {
    std::string relative = RelativePath(shard.table, shard.index, shard.count);
    if (relative != missing) ExpectSameFile(dest_.path(), relative);
  }
}

TEST_F(FetchTest, SecondRunSkipsVerifiedFiles) {
  AddFixtureShards();
  std::string output;
  ASSERT_EQ(Fetch("--quiet --dest " + dest_.path().string(), &output), 0) << output;
  const size_t first_requests = Requests().size();
  EXPECT_EQ(first_requests, 1 + kFixtureFiles);  // SHA256SUM and each file once

  // Again: the sidecars vouch for every file; only SHA256SUM is read.
  ASSERT_EQ(Fetch("--dest " + dest_.path().string(), &output), 0) << output;
  EXPECT_NE(output.find("10 files in " + dest_.path().string() +
                        ": 0 downloaded (0 B), 10 already verified, 0 failed"),
            std::string::npos)
      << output;
  std::vector<std::string> requests = Requests();
  ASSERT_EQ(requests.size(), first_requests + 1);
  EXPECT_EQ(requests.back(), "GET /SHA256SUM - 200");

  // Without sidecars the files are hashed, still not downloaded; a copy that
  // does not match (changed after its sidecar was written) is downloaded again.
  const std::string changed = RelativePath(Table::kTaskEvents, 0, 2);
  for (const FixtureShard& shard : kFixture) {
    fs::remove(SidecarPath(dest_.path() / RelativePath(shard.table, shard.index, shard.count)));
  }
  WriteBytes(dest_.path() / changed, "not the shard");
  ASSERT_EQ(Fetch("--dest " + dest_.path().string(), &output), 0) << output;
  EXPECT_NE(output.find("note: " + changed +
                        ": the local copy did not match SHA256SUM and was downloaded again"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("1 downloaded"), std::string::npos) << output;
  requests = Requests();
  ASSERT_EQ(requests.size(), first_requests + 3);
  EXPECT_EQ(requests.back(), "GET /" + changed + " - 200");
  ExpectSameFile(dest_.path(), changed);
  EXPECT_TRUE(fs::exists(SidecarPath(dest_.path() / changed)));
}

TEST_F(FetchTest, TablesAndShardsSelectTheFiles) {
  AddFixtureShards();
  std::string output;
  ASSERT_EQ(Fetch("--quiet --tables task_events,machine_events --shards 1-1 --jobs 1 --dest " +
                      dest_.path().string(),
                  &output),
            0)
      << output;
  // machine_events has one shard: it comes whole with any range.
  EXPECT_EQ(Files(dest_.path()),
            (std::vector<std::string>{"machine_events/.part-00000-of-00001.csv.gz.sha256",
                                      "machine_events/part-00000-of-00001.csv.gz",
                                      "task_events/.part-00001-of-00002.csv.gz.sha256",
                                      "task_events/part-00001-of-00002.csv.gz"}));
}

TEST_F(FetchTest, ListPrintsCountsAndSizes) {
  AddFixtureShards();
  std::string output;
  ASSERT_EQ(Fetch("--list --tables job_events,task_usage,machine_events", &output), 0) << output;
  EXPECT_EQ(output,
            "table                     shards\n"
            "job_events                     2\n"
            "task_usage                     2\n"
            "machine_events                 1\n");
  EXPECT_EQ(Requests(), (std::vector<std::string>{"GET /SHA256SUM - 200"}));

  uint64_t usage_bytes = fs::file_size(Bucket() / RelativePath(Table::kTaskUsage, 1, 2));
  uint64_t machine_bytes = fs::file_size(Bucket() / RelativePath(Table::kMachineEvents, 0, 1));
  ASSERT_EQ(Fetch("--list --sizes --shards 1-1 --tables task_usage,machine_events", &output), 0)
      << output;
  EXPECT_EQ(output, fmt::format("table                     shards           bytes        size\n"
                                "task_usage                1 of 2{:>16}{:>12}\n"
                                "machine_events                 1{:>16}{:>12}\n"
                                "total                          2{:>16}{:>12}\n",
                                usage_bytes, fmt::format("{} B", usage_bytes), machine_bytes,
                                fmt::format("{} B", machine_bytes), usage_bytes + machine_bytes,
                                fmt::format("{} B", usage_bytes + machine_bytes)));
  EXPECT_EQ(
      RequestsFor(RelativePath(Table::kTaskUsage, 1, 2)),
      (std::vector<std::string>{"HEAD /" + RelativePath(Table::kTaskUsage, 1, 2) + " - 200"}));
}

TEST_F(FetchTest, ListSaysWhichSizesAreUnknown) {
  AddFixtureShards();
  const std::string missing = RelativePath(Table::kJobEvents, 0, 2);
  SetFaults({{"status", {{missing, {404, nullptr}}}}});
  std::string output;
  EXPECT_EQ(Fetch("--list --sizes --tables job_events", &output), 1);
  EXPECT_NE(output.find("job_events                     2               ?           ?\n"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("borgscope: error: " + missing + ": missing on the server (HTTP 404)"),
            std::string::npos)
      << output;
}

TEST_F(FetchTest, UnreachableOrBrokenBucket) {
  AddFixtureShards();
  std::string output;
  // A port that was free a moment ago: nothing listens there.
  const std::string nowhere = fmt::format("http://127.0.0.1:{}", UnusedPort());
  EXPECT_EQ(RunBinary("fetch --retries 1 --retry-delay 0.01 --base-url " + nowhere + " --dest " +
                          dest_.path().string(),
                      &output),
            1);
  EXPECT_NE(output.find("borgscope: error: cannot read " + nowhere + "/SHA256SUM: cannot connect"),
            std::string::npos)
      << output;
  WriteBytes(Bucket() / "SHA256SUM", "this is not a SHA256SUM\n");
  EXPECT_EQ(Fetch("--dest " + dest_.path().string(), &output), 1);
  EXPECT_NE(output.find("borgscope: error: " + Url() +
                        "/SHA256SUM: SHA256SUM line 1: expected '<64 hex digits>  <path>'"),
            std::string::npos)
      << output;
}

TEST_F(FetchTest, BadArgumentsAreUsageErrors) {
  AddFixtureShards();
  std::string output;
  const std::string dest = " --dest " + dest_.path().string();
  EXPECT_EQ(Fetch("", &output), 2) << output;  // neither --dest nor --list
  EXPECT_NE(output.find("fetch needs --dest DIR (or --list)"), std::string::npos) << output;
  EXPECT_EQ(Fetch("--tables task_events,jobs" + dest, &output), 2) << output;
  EXPECT_NE(output.find("--tables: unknown table 'jobs' (tables: machine_events, "),
            std::string::npos)
      << output;
  EXPECT_EQ(Fetch("--shards 5-2" + dest), 2);
  EXPECT_EQ(Fetch("--shards 7-9 --tables task_events" + dest, &output), 2);
  EXPECT_NE(output.find("--shards 7-9 selects no shard of task_events (it has 2)"),
            std::string::npos)
      << output;
  EXPECT_EQ(Fetch("--jobs 0" + dest), 2);
  EXPECT_EQ(Fetch("--retries -1" + dest), 2);
  EXPECT_EQ(Fetch("--list" + dest), 2);   // --list writes nothing
  EXPECT_EQ(Fetch("--sizes" + dest), 2);  // --sizes goes with --list
  EXPECT_TRUE(Files(dest_.path()).empty());
}

}  // namespace
}  // namespace borgscope::testing
