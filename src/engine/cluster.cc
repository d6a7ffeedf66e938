#include "engine/cluster.h"

#include <fmt/core.h>
// The C API only: mpi.h would otherwise pull in Open MPI's deprecated C++
// bindings, which live in a library we do not link.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "errors.h"

namespace borgscope {
namespace {

class SingleProcessCluster final : public Cluster {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::vector<std::string> AllGather(std::string bytes) override {
    std::vector<std::string> all;
    all.push_back(std::move(bytes));
    return all;
  }
  [[noreturn]] void Abort(int exit_code) override { std::exit(exit_code); }
};

void Check(int status, const char* call) {
  if (status != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(status, text, &length);
    throw InternalError(fmt::format("{} failed: {}", call, std::string(text, length)));
  }
}

// Only the main thread calls MPI (the scan's worker threads never do).
class MpiCluster final : public Cluster {
 public:
  MpiCluster() {
    int provided = 0;
    Check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    // Errors come back as codes and become exceptions, which end the job
    // through main's Abort with a message, instead of MPI's own abort.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiCluster() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::vector<std::string> AllGather(std::string bytes) override {
    uint64_t own = bytes.size();
    std::vector<uint64_t> sizes(size_);
    Check(MPI_Allgather(&own, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD),
          "MPI_Allgather");
    std::vector<std::string> all(size_);
    for (int root = 0; root < size_; ++root) {
      std::string& buffer = all[root];
      if (root == rank_) {
        buffer = std::move(bytes);
      } else {
        buffer.resize(sizes[root]);
      }
      // MPI counts are ints: broadcast in chunks of at most 1 GiB.
      constexpr uint64_t kChunk = uint64_t{1} << 30;
      for (uint64_t offset = 0; offset < sizes[root]; offset += kChunk) {
        int count = static_cast<int>(std::min(kChunk, sizes[root] - offset));
        Check(MPI_Bcast(buffer.data() + offset, count, MPI_BYTE, root, MPI_COMM_WORLD),
              "MPI_Bcast");
      }
    }
    return all;
  }

  [[noreturn]] void Abort(int exit_code) override {
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);  // MPI_Abort does not return; this is for the compiler
  }

 private:
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace

Cluster& SingleProcess() {
  static SingleProcessCluster cluster;
  return cluster;
}

bool StartedByMpiLauncher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

Cluster& CurrentCluster() {
  if (!StartedByMpiLauncher()) return SingleProcess();
  // Destroyed (MPI_Finalize) at exit, after main returns.
  static MpiCluster cluster;
  return cluster;
}

}  // namespace borgscope
