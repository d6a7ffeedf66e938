#pragma once
// The ranks of an MPI job as threads of one test process: each thread gets a
// Cluster with its rank, and the collectives meet at a barrier. Lets tests
// run the rank-level exchange (and ASan watch it) without mpirun.

#include <barrier>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "engine/cluster.h"

namespace borgscope::testing {

class ThreadRanks {
 public:
  explicit ThreadRanks(int size)
      : size_(size), barrier_(size), mailbox_(size, std::vector<Cluster::Pieces>(size)) {}

  // Runs body(cluster) on `size` threads, one rank each; returns when all are done.
  void Run(const std::function<void(Cluster&)>& body) {
    std::vector<RankCluster> ranks;
    for (int rank = 0; rank < size_; ++rank) ranks.emplace_back(*this, rank);
    std::vector<std::jthread> threads;
    for (RankCluster& rank : ranks) threads.emplace_back([&body, &rank] { body(rank); });
  }

 private:
  class RankCluster final : public Cluster {
   public:
    RankCluster(ThreadRanks& ranks, int rank) : ranks_(ranks), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return ranks_.size_; }
    std::vector<std::string> AllGather(std::string bytes) override {
      return AllToAll(std::vector<std::string>(ranks_.size_, bytes));
    }
    std::vector<Pieces> AllToAllPieces(std::vector<Pieces> to_each) override {
      for (int r = 0; r < ranks_.size_; ++r) ranks_.mailbox_[rank_][r] = std::move(to_each[r]);
      ranks_.barrier_.arrive_and_wait();
      std::vector<Pieces> from_each;
      for (int r = 0; r < ranks_.size_; ++r) {
        from_each.push_back(std::move(ranks_.mailbox_[r][rank_]));
        if (r == rank_) continue;
        for (const std::string& piece : from_each.back()) bytes_received_ += piece.size();
      }
      ranks_.barrier_.arrive_and_wait();  // nobody writes before everyone has read
      return from_each;
    }
    void Barrier() override { ranks_.barrier_.arrive_and_wait(); }
    [[noreturn]] void Abort(int) override { std::abort(); }

   private:
    ThreadRanks& ranks_;
    int rank_;
  };

  const int size_;
  std::barrier<> barrier_;
  std::vector<std::vector<Cluster::Pieces>> mailbox_;  // [from][to]
};

}  // namespace borgscope::testing
