#pragma once
// A value per task, kept in blocks of kPerBlock consecutive task indices of
// one job: a keyed part of a state (engine/state_parts.h) that the engine
// merges, splits by job for MPI ranks and spill files, and reads back, as it
// does a KeyedTable — the blocks are a KeyedTable's values.
//
//   struct Spec {
//     static void Combine(Value& mine, const Value& theirs);  // commutative
//     // Optional, for a wire form other than the value's bytes:
//     static void PutValue(WireWriter&, const Value&);
//     static void MergeValue(WireReader&, Value& into);  // reads one and combines it
//     static constexpr size_t kSmallestValueBytes;
//   };
//
// Why blocks (issue 16): a job's task indices are 0..n-1, and a shard's rows
// of a job come for runs of neighbouring tasks. Merging a shard's blocks into
// a table far larger than the caches then costs a miss per block, not per
// task (a real task_events shard: 190,926 tasks in 10,333 blocks of 32, in
// 16,125 of 16), and the table holds one key per block. Any task index works
// (negative, sparse): a sparse job costs a block per task.

#include <bit>
#include <cstdint>
#include <span>
#include <utility>

#include "engine/keyed_table.h"
#include "engine/wire.h"
#include "trace/trace_order.h"

namespace borgscope {

// Blocks of 2^kBlockShift tasks: 32 for values of up to 16 bytes, 16 for
// larger ones. A real task_events shard's jobs fill 58 % of the slots of
// blocks of 32, 74 % of blocks of 16 and 86 % of blocks of 8: q7's 64-byte
// values in blocks of 32 would take ~111 bytes a task against ~88 in a
// table of a key per task (~88 in blocks of 16); q3-q5's 8-byte facts take
// ~15 in blocks of 32 against ~32.
template <typename Value, typename Spec, int kBlockShift = (sizeof(Value) <= 16 ? 5 : 4)>
class TaskBlocks {
 public:
  static constexpr int kShift = kBlockShift;
  static constexpr int64_t kPerBlock = int64_t{1} << kShift;
  using Mask = uint32_t;  // a block's tasks present: bit s for its task s

  TaskBlocks() = default;
  // The remembered block is the storage's: a move takes it, a copy does not.
  TaskBlocks(TaskBlocks&& other) : TaskBlocks() { swap(other); }
  TaskBlocks& operator=(TaskBlocks&& other) {
    swap(other);
    return *this;
  }
  TaskBlocks(const TaskBlocks& other) : blocks_(other.blocks_) {}
  TaskBlocks& operator=(const TaskBlocks& other) {
    Forget();
    blocks_ = other.blocks_;
    return *this;
  }
  void swap(TaskBlocks& other) {
    blocks_.swap(other.blocks_);
    std::swap(last_key_, other.last_key_);
    std::swap(last_, other.last_);
  }

  // The value of `task`, value-initialized when the task is new.
  Value& operator[](const TaskKey& task) {
    const BlockKey key = BlockOf(task);
    if (last_ == nullptr || key != last_key_) {
      last_ = &blocks_[key];
      last_key_ = key;
    }
    const int slot = SlotOf(task);
    last_->present |= static_cast<Mask>(1u << slot);
    return last_->values[slot];
  }

  class Reader;  // below: a cached lookup

  // Distinct tasks (a pass over the blocks).
  size_t size() const {
    size_t tasks = 0;
    for (const auto& entry : blocks_) tasks += std::popcount(entry.value.present);
    return tasks;
  }
  bool empty() const { return blocks_.empty(); }
  size_t blocks() const { return blocks_.size(); }
  // fn(const TaskKey&, const Value&) for each task, a block's tasks together.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& [key, block] : blocks_) ForEachOf(key, block, fn);
  }
  // The same for the tasks of blocks [first, last) of blocks(), for readers
  // that split the blocks between threads.
  template <typename Fn>
  void ForEachInBlocks(size_t first, size_t last, Fn&& fn) const {
    for (size_t b = first; b < last; ++b) {
      const auto& [key, block] = blocks_.EntryAt(b);
      ForEachOf(key, block, fn);
    }
  }

  // The keyed part (engine/state_parts.h).
  void Merge(const TaskBlocks& other) {
    Forget();
    blocks_.Merge(other.blocks_);
  }
  void Absorb(TaskBlocks&& other) {
    Forget();
    other.Forget();
    blocks_.Absorb(std::move(other.blocks_));
  }
  void SizeLike(const TaskBlocks& like) { blocks_.SizeLike(like.blocks_); }
  void SerializePartitions(std::span<WireWriter> parts) const {
    blocks_.SerializePartitions(parts);
  }
  void Serialize(WireWriter& out) const { SerializePartitions({&out, 1}); }
  void KeepPartition(size_t part, size_t parts) {
    Forget();
    blocks_.KeepPartition(part, parts);
  }
  void Deserialize(WireReader& in) {
    Forget();
    blocks_.Deserialize(in);
  }

 private:
  static_assert(kPerBlock <= sizeof(Mask) * 8);
  struct BlockKey {
    int64_t job_id = 0;
    int64_t block = 0;  // task_index >> kShift
    friend bool operator==(const BlockKey&, const BlockKey&) = default;
    template <typename H>
    friend H AbslHashValue(H state, const BlockKey& key) {
      return H::combine(std::move(state), key.job_id, key.block);
    }
  };
  // A task's block, and its slot there (floor division: any index).
  static BlockKey BlockOf(const TaskKey& task) { return {task.job_id, task.task_index >> kShift}; }
  static int SlotOf(const TaskKey& task) {
    return static_cast<int>(task.task_index & (kPerBlock - 1));
  }
  struct Block {
    Mask present = 0;  // bit s: task block * kPerBlock + s has a value
    Value values[kPerBlock]{};
  };
  template <typename Fn>
  static void ForEachOf(const BlockKey& key, const Block& block, Fn& fn) {
    for (unsigned rest = block.present; rest != 0; rest &= rest - 1) {
      const int slot = std::countr_zero(rest);
      fn(TaskKey{key.job_id, key.block * kPerBlock + slot}, block.values[slot]);
    }
  }
  struct BlockSpec {
    static int64_t IdOf(const BlockKey& key) { return key.job_id; }
    static void Combine(Block& mine, const Block& theirs) {
      for (unsigned rest = theirs.present; rest != 0; rest &= rest - 1) {
        const int slot = std::countr_zero(rest);
        if (mine.present >> slot & 1) {
          Spec::Combine(mine.values[slot], theirs.values[slot]);
        } else {
          mine.values[slot] = theirs.values[slot];
        }
      }
      mine.present |= theirs.present;
    }
    // On the wire: the mask, then the values present (in Spec's form, if
    // it has one), each combined into its task's as it is read.
    static void PutValue(WireWriter& out, const Block& block) {
      out.Put(block.present);
      for (unsigned rest = block.present; rest != 0; rest &= rest - 1) {
        const Value& value = block.values[std::countr_zero(rest)];
        if constexpr (requires { Spec::PutValue(out, value); }) {
          Spec::PutValue(out, value);
        } else {
          out.Put(value);
        }
      }
    }
    static void MergeValue(WireReader& in, Block& into) {
      const auto present = in.Get<Mask>();
      for (unsigned rest = present; rest != 0; rest &= rest - 1) {
        const int slot = std::countr_zero(rest);
        Value& value = into.values[slot];
        const bool is_new = !(into.present >> slot & 1);
        if constexpr (requires { Spec::MergeValue(in, value); }) {
          if (is_new) value = Value{};  // what a new task's value is merged into
          Spec::MergeValue(in, value);
        } else if (is_new) {
          value = in.Get<Value>();
        } else {
          Spec::Combine(value, in.Get<Value>());
        }
      }
      into.present |= present;
    }
    static constexpr size_t SmallestValueBytes() {
      if constexpr (requires { Spec::kSmallestValueBytes; }) {
        return Spec::kSmallestValueBytes;
      } else {
        return sizeof(Value);
      }
    }
    static constexpr size_t kSmallestValueBytes = sizeof(Mask) + SmallestValueBytes();
  };

  // The last block operator[] found: its pointer stays valid while blocks
  // are only added (entries never move), and is dropped by anything else.
  void Forget() { last_ = nullptr; }

  KeyedTable<BlockKey, Block, BlockSpec> blocks_;
  BlockKey last_key_;
  Block* last_ = nullptr;

 public:
  // Looks tasks up, remembering the last block found: for tasks read in
  // their order (a block's tasks one after the other), a hash lookup per
  // block. One per thread.
  class Reader {
   public:
    explicit Reader(const TaskBlocks& blocks) : blocks_(blocks.blocks_) {}
    // The value of `task`, or null when absent.
    const Value* Find(const TaskKey& task) {
      const BlockKey key = BlockOf(task);
      if (!found_ || key != last_key_) {
        last_ = blocks_.Find(key);
        last_key_ = key;
        found_ = true;
      }
      const int slot = SlotOf(task);
      return last_ != nullptr && (last_->present >> slot & 1) ? &last_->values[slot] : nullptr;
    }

   private:
    const KeyedTable<BlockKey, Block, BlockSpec>& blocks_;
    BlockKey last_key_;
    const Block* last_ = nullptr;
    bool found_ = false;  // last_ is last_key_'s block (or null: absent)
  };
};

}  // namespace borgscope
