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
  virtual ~Cluster() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Collective: every rank passes its bytes and gets every rank's, in rank
  // order (any size: large buffers travel in chunks).
  virtual std::vector<std::string> AllGather(std::string bytes) = 0;
  // Ends every rank of the job with `exit_code`; the caller has printed why.
  [[noreturn]] virtual void Abort(int exit_code) = 0;
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
