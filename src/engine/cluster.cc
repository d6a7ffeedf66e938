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
  std::vector<Pieces> AllToAllPieces(std::vector<Pieces> to_each) override { return to_each; }
  void Barrier() override {}
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

// MPI counts are ints: large buffers travel in pieces of at most 1 GiB.
constexpr uint64_t kPieceBytes = uint64_t{1} << 30;

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
      for (uint64_t offset = 0; offset < sizes[root]; offset += kPieceBytes) {
        int count = static_cast<int>(std::min(kPieceBytes, sizes[root] - offset));
        Check(MPI_Bcast(buffer.data() + offset, count, MPI_BYTE, root, MPI_COMM_WORLD),
              "MPI_Bcast");
      }
      if (root == rank_) {
        bytes_sent_ += sizes[root] * static_cast<uint64_t>(size_ - 1);
      } else {
        bytes_received_ += sizes[root];
      }
    }
    return all;
  }

  std::vector<Pieces> AllToAllPieces(std::vector<Pieces> to_each) override {
    if (to_each.size() != static_cast<size_t>(size_)) {
      throw InternalError("AllToAll: one buffer list per rank expected");
    }
    const size_t pieces = to_each[0].size();
    std::vector<uint64_t> send_sizes(size_ * pieces), receive_sizes(size_ * pieces);
    for (int r = 0; r < size_; ++r) {
      if (to_each[r].size() != pieces) throw InternalError("AllToAll: uneven piece counts");
      for (size_t p = 0; p < pieces; ++p) send_sizes[r * pieces + p] = to_each[r][p].size();
    }
    Check(
        MPI_Alltoall(send_sizes.data(), static_cast<int>(pieces), MPI_UINT64_T,
                     receive_sizes.data(), static_cast<int>(pieces), MPI_UINT64_T, MPI_COMM_WORLD),
        "MPI_Alltoall");
    std::vector<Pieces> from_each(size_);
    from_each[rank_] = std::move(to_each[rank_]);
    // Point to point, in pieces of at most 1 GiB: messages between two ranks
    // arrive in the order they were posted, so they need no tags.
    std::vector<MPI_Request> requests;
    auto post = [&](char* data, uint64_t size, int peer, bool send) {
      for (uint64_t offset = 0; offset < size; offset += kPieceBytes) {
        int count = static_cast<int>(std::min(kPieceBytes, size - offset));
        MPI_Request request;
        if (send) {
          Check(MPI_Isend(data + offset, count, MPI_BYTE, peer, 0, MPI_COMM_WORLD, &request),
                "MPI_Isend");
        } else {
          Check(MPI_Irecv(data + offset, count, MPI_BYTE, peer, 0, MPI_COMM_WORLD, &request),
                "MPI_Irecv");
        }
        requests.push_back(request);
      }
    };
    for (int r = 0; r < size_; ++r) {
      if (r == rank_) continue;
      from_each[r].resize(pieces);
      for (size_t p = 0; p < pieces; ++p) {
        const uint64_t size = receive_sizes[r * pieces + p];
        if (size == 0) continue;  // the sender skips it too
        from_each[r][p].resize(size);
        post(from_each[r][p].data(), size, r, /*send=*/false);
        bytes_received_ += size;
      }
    }
    for (int r = 0; r < size_; ++r) {
      if (r == rank_) continue;
      for (std::string& piece : to_each[r]) {
        if (piece.empty()) continue;
        post(piece.data(), piece.size(), r, /*send=*/true);
        bytes_sent_ += piece.size();
      }
    }
    Check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
          "MPI_Waitall");
    return from_each;
  }

  void Barrier() override { Check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

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
