// burst_queue.h: a fixed-capacity FIFO that is refilled in bursts and drained one item at a time.
//
// Schedulers need to look at the head packet of a queue (its size for DRR, its deadline for EDF)
// but rte_ring and rx_burst cannot peek. Each scheduled queue therefore keeps a small BurstQueue
// in front of it: when it runs empty the owner refills it with one burst, and the scheduler peeks
// and pops here. Items held here are still "in flight" for the accounting invariant.
// Capacity is a compile-time constant; one owner lcore; does not allocate.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace edf {

template <typename T, size_t kCapacity>
class BurstQueue {
 public:
  [[nodiscard]] bool empty() const { return head_ == count_; }
  [[nodiscard]] size_t size() const { return count_ - head_; }
  [[nodiscard]] T front() const { return items_[head_]; }
  T pop() { return items_[head_++]; }
  // Pops from the front into out while ok(front) holds, at most max; returns how many. The head
  // index stays in a register for the whole run (a scheduler's turn over one queue), not one
  // store and reload per item.
  template <typename Pred>
  size_t pop_while(T* out, size_t max, Pred&& ok) {
    size_t h = head_;
    size_t k = 0;
    while (k < max && h < count_ && ok(items_[h])) out[k++] = items_[h++];
    head_ = h;
    return k;
  }

  // Storage to refill into; only valid when empty(). Call filled(n) with how many were written.
  [[nodiscard]] T* refill_area() {
    head_ = count_ = 0;
    return items_.data();
  }
  void filled(size_t n) { count_ = n; }
  static constexpr size_t capacity() { return kCapacity; }

  // Remaining items, e.g. to free them in bulk at shutdown; leaves the queue empty.
  template <typename F>
  void drain(F&& f) {
    if (!empty()) f(items_.data() + head_, size());
    head_ = count_ = 0;
  }

 private:
  std::array<T, kCapacity> items_{};
  size_t head_ = 0;
  size_t count_ = 0;
};

}  // namespace edf
