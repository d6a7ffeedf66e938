#pragma once
// The processes of one run: a single process, or the ranks of an MPI job
// (mpirun, srun, the Kubernetes MPI Operator). MPI is the engine; this is
// only the narrow interface the scan needs from it, so that the scan, its
// tests and the single-process binary do not depend on a launcher.

#include <cstdint>
#include <string>
#include <vector>

namespace borgscope {

class Cluster {
 public:
  using Pieces = std::vector<std::string>;

  virtual ~Cluster() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Collective: every rank passes its bytes and gets every rank's, in rank
  // order (any size: large buffers travel in chunks).
  virtual std::vector<std::string> AllGather(std::string bytes) = 0;
  // Collective: to_each[r] goes to rank r; returns what each rank sent to
  // this one, in rank order (any sizes).
  std::vector<std::string> AllToAll(std::vector<std::string> to_each) {
    std::vector<Pieces> pieces(to_each.size());
    for (size_t r = 0; r < to_each.size(); ++r) pieces[r].push_back(std::move(to_each[r]));
    std::vector<std::string> from_each;
    for (Pieces& received : AllToAllPieces(std::move(pieces))) {
      from_each.push_back(std::move(received.front()));
    }
    return from_each;
  }
  // The same with several buffers per rank (no copying them into one):
  // every rank sends the same number of pieces to every rank.
  virtual std::vector<Pieces> AllToAllPieces(std::vector<Pieces> to_each) = 0;
  // Collective: rank 0 gets every rank's bytes in rank order; the others get
  // empty strings.
  std::vector<std::string> GatherToFirst(std::string bytes) {
    std::vector<std::string> to_each(size());
    to_each[0] = std::move(bytes);
    return AllToAll(std::move(to_each));
  }
  // Payload bytes this rank delivered to / got from other ranks so far.
  uint64_t bytes_sent() const { return bytes_sent_; }
  uint64_t bytes_received() const { return bytes_received_; }
  // Collective: returns when every rank has called it.
  virtual void Barrier() = 0;
  // Ends every rank of the job with `exit_code`; the caller has printed why.
  [[noreturn]] virtual void Abort(int exit_code) = 0;

 protected:
  uint64_t bytes_sent_ = 0;
  uint64_t bytes_received_ = 0;
};

// A run of one process.
Cluster& SingleProcess();

// True when this process was started by an MPI launcher (mpirun's
// OMPI_COMM_WORLD_SIZE, PMIx's PMIX_RANK, Slurm/MPICH's PMI_SIZE).
bool StartedByMpiLauncher();

// The cluster this process is part of: MPI (initialized on first use,
// finalized at exit) when StartedByMpiLauncher(), else SingleProcess().
Cluster& CurrentCluster();

}  // namespace borgscope
