#include "eval/top_k.h"

#include <algorithm>
#include <limits>

#include "mpi/error.h"

namespace sceneals::eval {

namespace {

/// The strict total order "a ranks before b": higher score first, then lower index. NaN is
/// placed after every number so that a stray NaN cannot break the heap's ordering requirements.
class RanksBefore {
 public:
  explicit RanksBefore(const float* scores) : scores_(scores) {}
  bool operator()(std::int32_t a, std::int32_t b) const {
    const float sa = scores_[a];
    const float sb = scores_[b];
    if (sa > sb) return true;
    if (sa < sb) return false;
    // Equal, or at least one NaN (the rare path).
    const bool a_nan = sa != sa;
    const bool b_nan = sb != sb;
    if (a_nan != b_nan) return b_nan;
    return a < b;
  }

 private:
  const float* scores_;
};

/// A heap of at most k indices whose top is the worst kept one, so each new candidate is usually
/// rejected by a single comparison against it.
class BoundedHeap {
 public:
  BoundedHeap(const float* scores, int k, std::vector<std::int32_t>& storage)
      : before_(scores), k_(static_cast<std::size_t>(k)), heap_(storage) {
    heap_.clear();
    heap_.reserve(k_);
  }

  /// Offers the indices [begin, end), ascending.
  void offer_range(std::int32_t begin, std::int32_t end) {
    std::int32_t i = begin;
    // Fill phase: the first k candidates all enter.
    for (; i < end && heap_.size() < k_; ++i) {
      heap_.push_back(i);
      std::push_heap(heap_.begin(), heap_.end(), before_);
    }
    if (k_ == 0) return;
    for (; i < end; ++i) {
      // Candidates arrive in ascending index, so a score equal to the worst kept one loses the
      // tie: only strictly better candidates replace it.
      if (!before_(i, heap_.front())) continue;
      std::pop_heap(heap_.begin(), heap_.end(), before_);
      heap_.back() = i;
      std::push_heap(heap_.begin(), heap_.end(), before_);
    }
  }

  /// Moves the kept indices, best first, into out.
  void take_sorted(std::vector<std::int32_t>& out) {
    std::sort_heap(heap_.begin(), heap_.end(), before_);
    out.assign(heap_.begin(), heap_.end());
  }

 private:
  RanksBefore before_;
  std::size_t k_;
  std::vector<std::int32_t>& heap_;
};

}  // namespace

void top_k_into(const float* scores, std::int64_t n, int k,
                const std::vector<std::int32_t>& sorted_excluded,
                std::vector<std::int32_t>& workspace, std::vector<std::int32_t>& out) {
  check_invariant(n >= 0 && n <= std::numeric_limits<std::int32_t>::max(),
                  "top_k: item count must fit in int32");
  check_invariant(k >= 0, "top_k: k must be non-negative");
  const auto count = static_cast<std::int32_t>(n);
  // Never reserve more than there are items, whatever k the caller asks for.
  BoundedHeap heap(scores, std::min(k, count), workspace);
  // Walk the gaps between excluded indices, so the inner loop carries no exclusion test.
  std::int32_t next = 0;
  std::int32_t previous_excluded = std::numeric_limits<std::int32_t>::min();
  for (const std::int32_t excluded : sorted_excluded) {
    check_invariant(excluded >= previous_excluded, "top_k: excluded indices must be ascending");
    previous_excluded = excluded;
    if (excluded < next) continue;  // a duplicate, or negative
    if (excluded >= count) break;
    heap.offer_range(next, excluded);
    next = excluded + 1;
  }
  heap.offer_range(next, count);
  heap.take_sorted(out);
}

std::vector<std::int32_t> top_k(const float* scores, std::int64_t n, int k,
                                const std::vector<std::int32_t>& sorted_excluded) {
  std::vector<std::int32_t> workspace;
  std::vector<std::int32_t> out;
  top_k_into(scores, n, k, sorted_excluded, workspace, out);
  return out;
}

}  // namespace sceneals::eval
