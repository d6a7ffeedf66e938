#pragma once
// Moving keyed states (KeyedAnalysis) to the ranks that own their keys: every
// rank sends each rank the entries of that rank's key partition, keeps its own
// entries in place and absorbs what it receives. Several analyses travel
// together (one meeting point for the ranks per round instead of one per
// analysis), their states split and absorbed in parallel; the transfer goes
// in rounds, one peer to send to and one to receive from per round, so that
// a rank holds one peer's entries at a time. Collective.

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/analysis.h"
#include "engine/cluster.h"

namespace borgscope {

struct KeyedState {
  const Analysis* analysis;
  std::unique_ptr<AnalysisState>* state;  // this rank's partial state, replaced
  double seconds = 0;                     // out: splitting and absorbing it
};

// Wall seconds of an exchange's three steps on this rank.
struct ExchangeSeconds {
  double split = 0;     // serializing the other ranks' entries, dropping them here
  double transfer = 0;  // the rounds' AllToAlls: waiting for the peers, sending, receiving
  double absorb = 0;    // merging the received entries into the states
};

// The two halves of an exchange. SplitByKey is local: it serializes the
// entries of each state that other ranks own (per rank) and drops them from
// the state, so a rank does it as soon as its states are complete, before it
// waits for the other ranks. SendSplit is collective: it sends the entries in
// rounds and absorbs what arrives. Together, each state becomes the state
// merged over every rank for this rank's partition of the keys. Both run
// their parallel parts in the caller's task arena.
struct KeyedSplit {
  std::vector<std::vector<std::string>> parts;  // parts[s][r]: state s's entries rank r owns
  double seconds = 0;                           // splitting (ExchangeSeconds::split)
};
KeyedSplit SplitByKey(std::span<KeyedState> states, const Cluster& cluster);
ExchangeSeconds SendSplit(std::span<KeyedState> states, KeyedSplit split, Cluster& cluster);
// Both halves at once.
ExchangeSeconds ExchangeByKey(std::span<KeyedState> states, Cluster& cluster);

// Merges a partial state's Serialize bytes (sent by `from_rank`) into `into`.
void MergeSerialized(const Analysis& analysis, AnalysisState& into, std::string_view bytes,
                     int from_rank);

}  // namespace borgscope
