// Communicator: owns one MPI communicator; every collective goes through its typed methods.
// Callers pass typed buffers and never see MPI_Datatype, byte counts or void*. This header does
// not include <mpi.h>: only the .cpp files of mpi/ do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "mpi/scalar_type.h"
#include "mpi/traffic_meter.h"

namespace sceneals::mpi {

class Communicator {
 public:
  /// The world communicator (not freed by the destructor). Requires an Environment.
  static Communicator world();

  Communicator(Communicator&& other) noexcept;
  Communicator& operator=(Communicator&& other) noexcept;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  ~Communicator();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  /// MPI_Comm_split: ranks with the same colour form a new communicator, ordered by key.
  Communicator split(int color, int key) const;
  void barrier() const;

  // ---- reductions --------------------------------------------------------------------------
  template <class T>
  void allreduce_in_place(T* data, std::int64_t count, ReduceOp op) const {
    allreduce_raw(data, count, ScalarTypeOf<T>::value, sizeof(T), op);
  }
  template <class T>
  void allreduce_in_place(std::vector<T>& data, ReduceOp op) const {
    allreduce_in_place(data.data(), static_cast<std::int64_t>(data.size()), op);
  }
  /// Reduces into root's buffer (MPI_IN_PLACE at root); other ranks' buffers are left unchanged.
  template <class T>
  void reduce_in_place(T* data, std::int64_t count, ReduceOp op, int root) const {
    reduce_raw(data, count, ScalarTypeOf<T>::value, sizeof(T), op, root);
  }
  template <class T>
  T sum(T value) const {
    allreduce_in_place(&value, 1, ReduceOp::kSum);
    return value;
  }
  template <class T>
  T max(T value) const {
    allreduce_in_place(&value, 1, ReduceOp::kMax);
    return value;
  }
  template <class T>
  T min(T value) const {
    allreduce_in_place(&value, 1, ReduceOp::kMin);
    return value;
  }
  /// True on every rank when it is true on any rank.
  bool any(bool value) const { return max<std::int32_t>(value ? 1 : 0) != 0; }
  /// Sum of `value` over the ranks before this one (0 on rank 0).
  template <class T>
  T exclusive_prefix_sum(T value) const {
    exscan_sum_raw(&value, ScalarTypeOf<T>::value, sizeof(T));
    return rank_ == 0 ? T{} : value;
  }

  // ---- broadcast and gathers ---------------------------------------------------------------
  template <class T>
  void broadcast(T* data, std::int64_t count, int root) const {
    broadcast_raw(data, count, ScalarTypeOf<T>::value, sizeof(T), root);
  }
  std::string broadcast_string(const std::string& value, int root) const;

  /// One value from each rank, in rank order.
  template <class T>
  std::vector<T> allgather(const T& value) const {
    std::vector<T> out(static_cast<std::size_t>(size_));
    allgather_raw(&value, out.data(), ScalarTypeOf<T>::value, sizeof(T));
    return out;
  }

  /// Concatenation of every rank's vector in rank order; `counts` (optional) receives the
  /// element count of each rank. T is an arithmetic type or any trivially copyable struct.
  template <class T>
  std::vector<T> allgatherv(const std::vector<T>& local,
                            std::vector<std::int64_t>* counts = nullptr) const {
    return allgatherv(local.data(), static_cast<std::int64_t>(local.size()), counts);
  }
  template <class T>
  std::vector<T> allgatherv(const T* local, std::int64_t count,
                            std::vector<std::int64_t>* counts = nullptr) const {
    static_assert(std::is_trivially_copyable_v<T>, "allgatherv needs trivially copyable data");
    std::vector<std::int64_t> byte_counts;
    std::vector<T> out;
    allgatherv_bytes(local, count * static_cast<std::int64_t>(sizeof(T)), &byte_counts,
                     resizing(out));
    if (counts != nullptr) *counts = element_counts<T>(byte_counts);
    return out;
  }
  /// Like allgatherv, into memory the caller provides: `allocate(total_elements)` returns where
  /// the concatenation goes (a matrix sized to it, say), so nothing is copied afterwards.
  template <class T, class Allocate>
  void allgatherv_to(const T* local, std::int64_t count, Allocate&& allocate) const {
    static_assert(std::is_trivially_copyable_v<T>, "allgatherv needs trivially copyable data");
    std::vector<std::int64_t> byte_counts;
    allgatherv_bytes(local, count * static_cast<std::int64_t>(sizeof(T)), &byte_counts,
                     [&allocate](std::int64_t total) {
                       T* out = allocate(total / static_cast<std::int64_t>(sizeof(T)));
                       return reinterpret_cast<char*>(out);
                     });
  }
  /// Every rank's strings, concatenated in rank order.
  std::vector<std::string> allgatherv_strings(const std::vector<std::string>& local) const;

  /// Personalised all-to-all: `send[d]` goes to rank d; returns what every rank sent to this
  /// one, concatenated in source-rank order, with `counts` (optional) per source rank.
  template <class T>
  std::vector<T> alltoallv(const std::vector<std::vector<T>>& send,
                           std::vector<std::int64_t>* counts = nullptr) const {
    std::vector<const T*> blocks(send.size());
    std::vector<std::int64_t> send_counts(send.size());
    for (std::size_t d = 0; d < send.size(); ++d) {
      blocks[d] = send[d].data();
      send_counts[d] = static_cast<std::int64_t>(send[d].size());
    }
    return alltoallv_blocks(blocks, send_counts, counts);
  }
  /// Like alltoallv, from one buffer ordered by destination: rank d gets `send_counts[d]`
  /// elements, after those of the ranks before it. The buffer is sent from where it lies, with
  /// no copy into per-destination vectors or into a packed send buffer.
  template <class T>
  std::vector<T> alltoallv(const T* send, const std::vector<std::int64_t>& send_counts,
                           std::vector<std::int64_t>* counts = nullptr) const {
    std::vector<const T*> blocks(send_counts.size());
    for (std::size_t d = 0; d < send_counts.size(); ++d)
      blocks[d] = d == 0 ? send : blocks[d - 1] + send_counts[d - 1];
    return alltoallv_blocks(blocks, send_counts, counts);
  }
  /// Like the buffer alltoallv, when this rank already knows how many elements each rank sends
  /// it (`recv_counts[r]` from rank r): no exchange of counts first. `out` receives their sum,
  /// in source-rank order.
  template <class T>
  void alltoallv_known(const T* send, const std::vector<std::int64_t>& send_counts,
                       const std::vector<std::int64_t>& recv_counts, T* out) const {
    static_assert(std::is_trivially_copyable_v<T>, "alltoallv needs trivially copyable data");
    std::vector<const char*> blocks(send_counts.size());
    std::vector<std::int64_t> block_bytes(send_counts.size()), recv_bytes(recv_counts.size());
    const char* at = reinterpret_cast<const char*>(send);
    for (std::size_t d = 0; d < send_counts.size(); ++d) {
      blocks[d] = at;
      block_bytes[d] = send_counts[d] * static_cast<std::int64_t>(sizeof(T));
      at += block_bytes[d];
    }
    for (std::size_t r = 0; r < recv_counts.size(); ++r)
      recv_bytes[r] = recv_counts[r] * static_cast<std::int64_t>(sizeof(T));
    alltoallv_into(blocks, block_bytes, recv_bytes, reinterpret_cast<char*>(out));
  }

  /// Strings to each destination rank; returns the received strings in source-rank order.
  std::vector<std::string> alltoallv_strings(const std::vector<std::vector<std::string>>& send,
                                             std::vector<std::int64_t>* counts = nullptr) const;

  /// Bytes this rank has sent through this communicator and every one split from it.
  std::int64_t bytes_sent() const { return traffic_->bytes_sent(); }

  /// The Fortran handle of the communicator, for the few mpi/ files that must hand it to another
  /// MPI-aware library (parallel HDF5). Not for general use.
  int native_handle() const { return handle_; }

 private:
  Communicator(int handle, bool owned, std::shared_ptr<TrafficMeter> traffic);
  void release() noexcept;

  void allreduce_raw(void* data, std::int64_t count, ScalarType type, std::size_t elem_size,
                     ReduceOp op) const;
  void reduce_raw(void* data, std::int64_t count, ScalarType type, std::size_t elem_size,
                  ReduceOp op, int root) const;
  void exscan_sum_raw(void* value, ScalarType type, std::size_t elem_size) const;
  void broadcast_raw(void* data, std::int64_t count, ScalarType type, std::size_t elem_size,
                     int root) const;
  void allgather_raw(const void* value, void* out, ScalarType type, std::size_t elem_size) const;

  /// Gathers byte blocks; `allocate(total_bytes)` returns where to put the concatenation.
  template <class Allocate>
  void allgatherv_bytes(const void* local, std::int64_t local_bytes,
                        std::vector<std::int64_t>* counts, Allocate&& allocate) const {
    std::vector<std::int64_t> byte_counts = allgather(local_bytes);
    std::int64_t total = 0;
    for (std::int64_t c : byte_counts) total += c;
    char* out = allocate(total);
    allgatherv_into(local, local_bytes, byte_counts, out);
    *counts = std::move(byte_counts);
  }
  void allgatherv_into(const void* local, std::int64_t local_bytes,
                       const std::vector<std::int64_t>& byte_counts, char* out) const;

  template <class T>
  std::vector<T> alltoallv_blocks(const std::vector<const T*>& blocks,
                                  const std::vector<std::int64_t>& send_counts,
                                  std::vector<std::int64_t>* counts) const {
    static_assert(std::is_trivially_copyable_v<T>, "alltoallv needs trivially copyable data");
    std::vector<const char*> byte_blocks(blocks.size());
    std::vector<std::int64_t> block_bytes(blocks.size());
    for (std::size_t d = 0; d < blocks.size(); ++d) {
      byte_blocks[d] = reinterpret_cast<const char*>(blocks[d]);
      block_bytes[d] = send_counts[d] * static_cast<std::int64_t>(sizeof(T));
    }
    std::vector<std::int64_t> recv_bytes;
    std::vector<T> out;
    alltoallv_bytes(byte_blocks, block_bytes, &recv_bytes, resizing(out));
    if (counts != nullptr) *counts = element_counts<T>(recv_bytes);
    return out;
  }
  /// The allocate callback of the byte collectives that receives into `out`, sized to the total.
  template <class T>
  static auto resizing(std::vector<T>& out) {
    return [&out](std::int64_t total_bytes) {
      out.resize(static_cast<std::size_t>(total_bytes) / sizeof(T));
      return reinterpret_cast<char*>(out.data());
    };
  }
  template <class T>
  static std::vector<std::int64_t> element_counts(const std::vector<std::int64_t>& byte_counts) {
    std::vector<std::int64_t> counts(byte_counts.size());
    for (std::size_t r = 0; r < byte_counts.size(); ++r)
      counts[r] = byte_counts[r] / static_cast<std::int64_t>(sizeof(T));
    return counts;
  }
  template <class Allocate>
  void alltoallv_bytes(const std::vector<const char*>& blocks,
                       const std::vector<std::int64_t>& block_bytes,
                       std::vector<std::int64_t>* recv_bytes, Allocate&& allocate) const {
    std::vector<std::int64_t> incoming = exchange_counts(block_bytes);
    std::int64_t total = 0;
    for (std::int64_t c : incoming) total += c;
    char* out = allocate(total);
    alltoallv_into(blocks, block_bytes, incoming, out);
    *recv_bytes = std::move(incoming);
  }
  std::vector<std::int64_t> exchange_counts(const std::vector<std::int64_t>& send_counts) const;
  void alltoallv_into(const std::vector<const char*>& blocks,
                      const std::vector<std::int64_t>& block_bytes,
                      const std::vector<std::int64_t>& recv_bytes, char* out) const;

  int handle_ = 0;  // Fortran handle (MPI_Comm_c2f) so that this header needs no <mpi.h>
  bool owned_ = false;
  int rank_ = 0;
  int size_ = 1;
  std::shared_ptr<TrafficMeter> traffic_;
};

}  // namespace sceneals::mpi
