#pragma once
// Pseudo-random numbers for `borgscope gen`: splitmix64 to derive seeds and
// hash keys, xoshiro256** for streams, and the few distributions the
// generator needs. <random>'s distributions are implementation-defined, these
// are not: a seed gives the same trace with any standard library (the libm
// functions log/exp/cos are the only outside dependency).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

namespace borgscope::gen {

// The splitmix64 finalizer: a strong 64-bit mix, used as a stateless hash.
constexpr uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Hash of a sequence of keys, order-sensitive: HashKeys({seed, kTag, id}).
constexpr uint64_t HashKeys(std::initializer_list<uint64_t> keys) {
  uint64_t h = 0x6a09e667f3bcc908ULL;
  for (uint64_t key : keys) h = Mix64(h ^ key);
  return h;
}

// Maps 64 random bits to [0, 1) with 53 bits of precision.
constexpr double ToUnit(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

// splitmix64 as a generator: one Mix64 per draw, for short-lived streams
// (one per task_usage row) where seeding xoshiro would cost more than it draws.
class SplitMix {
 public:
  explicit constexpr SplitMix(uint64_t seed) : state_(seed) {}
  constexpr uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix64(state_);
  }
  constexpr double Uniform() { return ToUnit(Next()); }

 private:
  uint64_t state_;
};

// xoshiro256** (Blackman & Vigna), with distribution helpers.
class Random {
 public:
  explicit Random(uint64_t seed) {
    SplitMix seeder(seed);
    for (uint64_t& word : state_) word = seeder.Next();
  }

  uint64_t Next() {
    const uint64_t result = RotateLeft(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = RotateLeft(state_[3], 45);
    return result;
  }

  // [0, 1)
  double Uniform() { return ToUnit(Next()); }
  double Uniform(double low, double high) { return low + (high - low) * Uniform(); }
  // [0, n) for n > 0; the multiply-shift bias is below 2^-32 for our n.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // [low, high], inclusive.
  int64_t Between(int64_t low, int64_t high) {
    return low + static_cast<int64_t>(Below(static_cast<uint64_t>(high - low) + 1));
  }
  bool Chance(double probability) { return Uniform() < probability; }
  double Exponential(double mean) { return -mean * std::log1p(-Uniform()); }
  // Standard normal (Box-Muller; one value per call keeps the stream simple).
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }
  // Log-uniform on [low, high]: heavy tails with a bounded range.
  double LogUniform(double low, double high) {
    return low * std::exp(std::log(high / low) * Uniform());
  }
  // Index drawn with probability proportional to weights[i].
  size_t Pick(std::span<const double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Uniform() * total;
    for (size_t i = 0; i + 1 < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  static constexpr uint64_t RotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace borgscope::gen
