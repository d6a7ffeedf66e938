#pragma once
// An analysis state made of parts (STYLE.md 13): the question lists its parts
// once, and every operation the engine needs — Merge, Absorb, Serialize,
// SerializePartitions, KeepPartition, Deserialize — is applied to each part in
// turn here. A question's state is then its parts and its Consume: no
// forwarding, and the one cast from AnalysisState is StateOf::Of (which the
// adapters of engine/question.h call, so that questions never do).
//
//   class Q5State : public StateOf<Q5State> {
//    public:
//     void Consume(const RowBatch& rows) override { ... tasks_.Add(...) ... }
//     static auto Parts(auto& self) { return std::tie(self.tasks_); }
//     OutcomeFlags<TaskKey> tasks_;
//   };
//
// A keyed part (split by key across MPI ranks and spill partitions) has
// Merge(const P&), SerializePartitions(std::span<WireWriter>) (entries into
// the part of their key, values of no key into part 0), KeepPartition(part,
// parts), Deserialize(WireReader&) (adds what SerializePartitions wrote into
// one part), and may have Absorb(P&&). A value of no key (a total, a maximum)
// is an UnkeyedPart.

#include <algorithm>
#include <cstddef>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

#include "engine/analysis.h"
#include "engine/wire.h"

namespace borgscope {

// A part of no key (a total, a maximum), kept in partition 0: Derived has
// Merge(const Derived&), Serialize(WireWriter&) and Deserialize(WireReader&)
// (adding into it), and derives from UnkeyedPart<Derived>.
template <typename Derived>
struct UnkeyedPart {
  void SerializePartitions(std::span<WireWriter> parts) const {
    for (size_t p = 0; p < parts.size(); ++p) {
      (p == 0 ? static_cast<const Derived&>(*this) : Derived{}).Serialize(parts[p]);
    }
  }
  void KeepPartition(size_t part, size_t /*parts*/) {
    if (part != 0) static_cast<Derived&>(*this) = Derived{};
  }
};

// Scalars of no key: a sum, a maximum.
template <typename T>
struct SumOf : UnkeyedPart<SumOf<T>> {
  T value{};
  void Merge(const SumOf& other) { value += other.value; }
  void Serialize(WireWriter& out) const { out.Put(value); }
  void Deserialize(WireReader& in) { value += in.Get<T>(); }
};
template <typename T>
struct MaxOf : UnkeyedPart<MaxOf<T>> {
  T value{};
  void Merge(const MaxOf& other) { value = std::max(value, other.value); }
  void Serialize(WireWriter& out) const { out.Put(value); }
  void Deserialize(WireReader& in) { value = std::max(value, in.Get<T>()); }
};

namespace parts_detail {
// fn(mine, theirs) on a pair of parts, element by element for arrays.
template <typename Mine, typename Theirs, typename Fn>
void Pair(Mine& mine, Theirs& theirs, Fn fn) {
  if constexpr (std::is_array_v<Mine>) {
    for (size_t i = 0; i < std::extent_v<Mine>; ++i) Pair(mine[i], theirs[i], fn);
  } else {
    fn(mine, theirs);
  }
}
template <typename Part, typename Fn>
void One(Part& part, Fn fn) {
  if constexpr (std::is_array_v<Part>) {
    for (auto& element : part) One(element, fn);
  } else {
    fn(part);
  }
}
}  // namespace parts_detail

// A summary (AnalysisSummary's value, engine/question.h) made of
// parts, each with Merge, Serialize and Deserialize (adding), as SumOf and
// MaxOf have; an array of parts is a part of each element.
//
//   struct Q5Summary : SummaryOf<Q5Summary> {
//     static auto Parts(auto& self) { return std::tie(self.tally, self.evictions); }
//     OutcomeTally tally;
//     SumOf<uint64_t> evictions;
//   };
template <typename Derived>
struct SummaryOf {
  void Merge(const Derived& other) {
    auto mine = Derived::Parts(static_cast<Derived&>(*this));
    auto theirs = Derived::Parts(other);
    [&]<size_t... I>(std::index_sequence<I...>) {
      (parts_detail::Pair(std::get<I>(mine), std::get<I>(theirs),
                          [](auto& a, const auto& b) { a.Merge(b); }),
       ...);
    }
    (std::make_index_sequence<std::tuple_size_v<decltype(mine)>>{});
  }
  void Serialize(WireWriter& out) const {
    std::apply(
        [&](auto&... part) {
          (parts_detail::One(part, [&](const auto& each) { each.Serialize(out); }), ...);
        },
        Derived::Parts(static_cast<const Derived&>(*this)));
  }
  void Deserialize(WireReader& in) {
    std::apply(
        [&](auto&... part) {
          (parts_detail::One(part, [&](auto& each) { each.Deserialize(in); }), ...);
        },
        Derived::Parts(static_cast<Derived&>(*this)));
  }
};

namespace parts_detail {
// The keyed-part operations over a whole's parts (Whole::Parts), in order.
template <typename Whole, typename Other, typename Fn>
void EachPairOfParts(Whole& mine, Other& theirs, Fn fn) {
  auto a = Whole::Parts(mine);
  auto b = Whole::Parts(theirs);
  [&]<size_t... I>(std::index_sequence<I...>) { (fn(std::get<I>(a), std::get<I>(b)), ...); }
  (std::make_index_sequence<std::tuple_size_v<decltype(a)>>{});
}
template <typename Whole>
void MergeParts(Whole& mine, const Whole& theirs) {
  EachPairOfParts(mine, theirs, [](auto& a, const auto& b) { a.Merge(b); });
}
template <typename Whole>
void AbsorbParts(Whole& mine, Whole& theirs) {
  EachPairOfParts(mine, theirs, [](auto& a, auto& b) {
    if constexpr (requires { a.Absorb(std::move(b)); }) {
      a.Absorb(std::move(b));
    } else {
      a.Merge(b);
    }
  });
}
template <typename Whole>
void SerializePartsPartitions(const Whole& whole, std::span<WireWriter> parts) {
  std::apply([&](const auto&... part) { (part.SerializePartitions(parts), ...); },
             Whole::Parts(whole));
}
template <typename Whole>
void KeepPartsPartition(Whole& whole, size_t part, size_t parts) {
  std::apply([&](auto&... each) { (each.KeepPartition(part, parts), ...); }, Whole::Parts(whole));
}
template <typename Whole>
void DeserializeParts(Whole& whole, WireReader& in) {
  std::apply([&](auto&... part) { (part.Deserialize(in), ...); }, Whole::Parts(whole));
}
}  // namespace parts_detail

// A keyed part made of parts (a machine's up/down events and the table's
// end, say): Derived lists its Parts, and is a part of a state like any
// other.
template <typename Derived>
struct PartsOf {
  void Merge(const Derived& other) { parts_detail::MergeParts(Self(), other); }
  void Absorb(Derived&& other) { parts_detail::AbsorbParts(Self(), other); }
  void SerializePartitions(std::span<WireWriter> parts) const {
    parts_detail::SerializePartsPartitions(static_cast<const Derived&>(*this), parts);
  }
  void KeepPartition(size_t part, size_t parts) {
    parts_detail::KeepPartsPartition(Self(), part, parts);
  }
  void Deserialize(WireReader& in) { parts_detail::DeserializeParts(Self(), in); }

 private:
  Derived& Self() { return static_cast<Derived&>(*this); }
};

template <typename Derived>
class StateOf : public AnalysisState {
 public:
  // The state behind an AnalysisState that Derived's analysis made.
  static const Derived& Of(const AnalysisState& state) {
    return static_cast<const Derived&>(state);
  }

  void Merge(const AnalysisState& other) override { parts_detail::MergeParts(Self(), Of(other)); }
  void Absorb(AnalysisState&& other) override {
    parts_detail::AbsorbParts(Self(), static_cast<Derived&>(other));
  }
  // Each part that can (SizeLike(const Part&)) sized like before's.
  void SizeLike(const AnalysisState& before) override {
    parts_detail::EachPairOfParts(Self(), Of(before), [](auto& part, const auto& like) {
      if constexpr (requires { part.SizeLike(like); }) part.SizeLike(like);
    });
  }
  void Serialize(WireWriter& out) const override { SerializePartitions({&out, 1}); }
  void SerializePartitions(std::span<WireWriter> parts) const override {
    parts_detail::SerializePartsPartitions(static_cast<const Derived&>(*this), parts);
  }
  void KeepPartition(size_t part, size_t parts) override {
    parts_detail::KeepPartsPartition(Self(), part, parts);
  }
  void Deserialize(WireReader& in) override { parts_detail::DeserializeParts(Self(), in); }

 private:
  Derived& Self() { return static_cast<Derived&>(*this); }
};

}  // namespace borgscope
