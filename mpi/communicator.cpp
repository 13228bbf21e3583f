#include "mpi/communicator.h"

#include <mpi.h>

#include <climits>
#include <cstdint>
#include <numeric>

#include "mpi/mpi_check.h"

namespace sceneals::mpi {

MpiError::MpiError(const std::string& call, int code)
    : InternalError([&] {
        char text[MPI_MAX_ERROR_STRING];
        int length = 0;
        if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
        return call + " failed: " + std::string(text, static_cast<std::size_t>(length));
      }()) {}

namespace {

MPI_Comm to_comm(int handle) { return MPI_Comm_f2c(handle); }

MPI_Datatype to_datatype(ScalarType type) {
  switch (type) {
    case ScalarType::kFloat:
      return MPI_FLOAT;
    case ScalarType::kDouble:
      return MPI_DOUBLE;
    case ScalarType::kInt32:
      return MPI_INT32_T;
    case ScalarType::kInt64:
      return MPI_INT64_T;
    case ScalarType::kUInt8:
      return MPI_UINT8_T;
    case ScalarType::kUInt32:
      return MPI_UINT32_T;
    case ScalarType::kUInt64:
      return MPI_UINT64_T;
    case ScalarType::kChar:
      return MPI_CHAR;
  }
  throw InternalError("unknown ScalarType");
}

MPI_Op to_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
      return MPI_SUM;
    case ReduceOp::kMax:
      return MPI_MAX;
    case ReduceOp::kMin:
      return MPI_MIN;
  }
  throw InternalError("unknown ReduceOp");
}

/// MPI counts and displacements are int. Rather than silently wrap, refuse: a block this large
/// means the data should be spread over more ranks (the message says so).
int to_mpi_count(std::int64_t count, const char* what) {
  if (count < 0 || count > INT_MAX)
    throw InternalError(std::string(what) + ": a single message of " + std::to_string(count) +
                        " elements exceeds MPI's int count limit; use more ranks");
  return static_cast<int>(count);
}

std::int64_t ring_volume(std::int64_t bytes, int size) {
  return size <= 1 ? 0 : 2 * bytes * (size - 1) / size;
}

}  // namespace

Communicator::Communicator(int handle, bool owned, std::shared_ptr<TrafficMeter> traffic)
    : handle_(handle), owned_(owned), traffic_(std::move(traffic)) {
  check_mpi(MPI_Comm_rank(to_comm(handle_), &rank_), "MPI_Comm_rank");
  check_mpi(MPI_Comm_size(to_comm(handle_), &size_), "MPI_Comm_size");
}

Communicator Communicator::world() {
  return Communicator(static_cast<int>(MPI_Comm_c2f(MPI_COMM_WORLD)), false,
                      std::make_shared<TrafficMeter>());
}

Communicator::Communicator(Communicator&& other) noexcept
    : handle_(other.handle_),
      owned_(other.owned_),
      rank_(other.rank_),
      size_(other.size_),
      traffic_(std::move(other.traffic_)) {
  other.owned_ = false;
}

Communicator& Communicator::operator=(Communicator&& other) noexcept {
  if (this != &other) {
    release();
    handle_ = other.handle_;
    owned_ = other.owned_;
    rank_ = other.rank_;
    size_ = other.size_;
    traffic_ = std::move(other.traffic_);
    other.owned_ = false;
  }
  return *this;
}

Communicator::~Communicator() { release(); }

void Communicator::release() noexcept {
  if (!owned_) return;
  owned_ = false;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  MPI_Comm comm = to_comm(handle_);
  MPI_Comm_free(&comm);  // a failure here cannot be reported from a destructor; ignore it
}

Communicator Communicator::split(int color, int key) const {
  MPI_Comm out = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split(to_comm(handle_), color, key, &out), "MPI_Comm_split");
  check_mpi(MPI_Comm_set_errhandler(out, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  return Communicator(static_cast<int>(MPI_Comm_c2f(out)), true, traffic_);
}

void Communicator::barrier() const { check_mpi(MPI_Barrier(to_comm(handle_)), "MPI_Barrier"); }

void Communicator::allreduce_raw(void* data, std::int64_t count, ScalarType type,
                                 std::size_t elem_size, ReduceOp op) const {
  traffic_->add(ring_volume(count * static_cast<std::int64_t>(elem_size), size_));
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, data, to_mpi_count(count, "MPI_Allreduce"),
                          to_datatype(type), to_op(op), to_comm(handle_)),
            "MPI_Allreduce");
}

void Communicator::reduce_raw(void* data, std::int64_t count, ScalarType type,
                              std::size_t elem_size, ReduceOp op, int root) const {
  traffic_->add(ring_volume(count * static_cast<std::int64_t>(elem_size), size_));
  const int n = to_mpi_count(count, "MPI_Reduce");
  if (rank_ == root) {
    check_mpi(
        MPI_Reduce(MPI_IN_PLACE, data, n, to_datatype(type), to_op(op), root, to_comm(handle_)),
        "MPI_Reduce");
  } else {
    check_mpi(MPI_Reduce(data, nullptr, n, to_datatype(type), to_op(op), root, to_comm(handle_)),
              "MPI_Reduce");
  }
}

void Communicator::exscan_sum_raw(void* value, ScalarType type, std::size_t elem_size) const {
  traffic_->add(static_cast<std::int64_t>(elem_size));
  check_mpi(MPI_Exscan(MPI_IN_PLACE, value, 1, to_datatype(type), MPI_SUM, to_comm(handle_)),
            "MPI_Exscan");
}

void Communicator::broadcast_raw(void* data, std::int64_t count, ScalarType type,
                                 std::size_t elem_size, int root) const {
  if (rank_ == root) traffic_->add(count * static_cast<std::int64_t>(elem_size) * (size_ - 1));
  check_mpi(
      MPI_Bcast(data, to_mpi_count(count, "MPI_Bcast"), to_datatype(type), root, to_comm(handle_)),
      "MPI_Bcast");
}

std::string Communicator::broadcast_string(const std::string& value, int root) const {
  std::int64_t length = static_cast<std::int64_t>(value.size());
  broadcast(&length, 1, root);
  std::string out = rank_ == root ? value : std::string(static_cast<std::size_t>(length), '\0');
  if (length > 0) broadcast(out.data(), length, root);
  return out;
}

void Communicator::allgather_raw(const void* value, void* out, ScalarType type,
                                 std::size_t elem_size) const {
  traffic_->add(static_cast<std::int64_t>(elem_size) * (size_ - 1));
  check_mpi(MPI_Allgather(value, 1, to_datatype(type), out, 1, to_datatype(type), to_comm(handle_)),
            "MPI_Allgather");
}

void Communicator::allgatherv_into(const void* local, std::int64_t local_bytes,
                                   const std::vector<std::int64_t>& byte_counts, char* out) const {
  traffic_->add(local_bytes * (size_ - 1));
  std::vector<int> counts(byte_counts.size());
  std::vector<int> displs(byte_counts.size());
  std::int64_t offset = 0;
  for (std::size_t r = 0; r < byte_counts.size(); ++r) {
    counts[r] = to_mpi_count(byte_counts[r], "MPI_Allgatherv");
    displs[r] = to_mpi_count(offset, "MPI_Allgatherv displacement");
    offset += byte_counts[r];
  }
  check_mpi(MPI_Allgatherv(local, to_mpi_count(local_bytes, "MPI_Allgatherv"), MPI_BYTE, out,
                           counts.data(), displs.data(), MPI_BYTE, to_comm(handle_)),
            "MPI_Allgatherv");
}

std::vector<std::int64_t> Communicator::exchange_counts(
    const std::vector<std::int64_t>& send_counts) const {
  check_invariant(send_counts.size() == static_cast<std::size_t>(size_),
                  "alltoallv needs one block per destination rank");
  std::vector<std::int64_t> incoming(send_counts.size());
  traffic_->add(static_cast<std::int64_t>(sizeof(std::int64_t)) * (size_ - 1));
  check_mpi(MPI_Alltoall(send_counts.data(), 1, MPI_INT64_T, incoming.data(), 1, MPI_INT64_T,
                         to_comm(handle_)),
            "MPI_Alltoall");
  return incoming;
}

void Communicator::alltoallv_into(const std::vector<const char*>& blocks,
                                  const std::vector<std::int64_t>& block_bytes,
                                  const std::vector<std::int64_t>& recv_bytes, char* out) const {
  // Pack the per-destination blocks into one send buffer, as MPI_Alltoallv wants.
  std::vector<int> send_counts(blocks.size()), send_displs(blocks.size());
  std::vector<int> recv_counts(blocks.size()), recv_displs(blocks.size());
  std::int64_t send_total = 0, recv_total = 0;
  for (std::size_t r = 0; r < blocks.size(); ++r) {
    send_counts[r] = to_mpi_count(block_bytes[r], "MPI_Alltoallv");
    send_displs[r] = to_mpi_count(send_total, "MPI_Alltoallv displacement");
    send_total += block_bytes[r];
    recv_counts[r] = to_mpi_count(recv_bytes[r], "MPI_Alltoallv");
    recv_displs[r] = to_mpi_count(recv_total, "MPI_Alltoallv displacement");
    recv_total += recv_bytes[r];
    if (static_cast<int>(r) != rank_) traffic_->add(block_bytes[r]);
  }
  // Blocks that already lie back to back in destination order (one buffer grouped by
  // destination) are sent from where they are: packing would copy them into new memory.
  // Addresses are compared as integers: the blocks may belong to different allocations.
  const auto address = [](const char* p) { return reinterpret_cast<std::uintptr_t>(p); };
  bool back_to_back = true;
  for (std::size_t r = 0; r < blocks.size(); ++r)
    if (block_bytes[r] > 0 &&
        address(blocks[r]) != address(blocks[0]) + static_cast<std::uintptr_t>(send_displs[r]))
      back_to_back = false;
  std::vector<char> packed;
  if (!back_to_back) {
    packed.resize(static_cast<std::size_t>(send_total));
    for (std::size_t r = 0; r < blocks.size(); ++r) {
      if (block_bytes[r] > 0)
        std::copy(blocks[r], blocks[r] + block_bytes[r], packed.data() + send_displs[r]);
    }
  }
  const char* send = back_to_back ? blocks[0] : packed.data();
  check_mpi(MPI_Alltoallv(send, send_counts.data(), send_displs.data(), MPI_BYTE, out,
                          recv_counts.data(), recv_displs.data(), MPI_BYTE, to_comm(handle_)),
            "MPI_Alltoallv");
}

namespace {

/// Strings travel as one char buffer plus one length per string.
struct PackedStrings {
  std::vector<char> chars;
  std::vector<std::int64_t> lengths;
};

PackedStrings pack(const std::vector<std::string>& strings) {
  PackedStrings packed;
  packed.lengths.reserve(strings.size());
  for (const std::string& s : strings) {
    packed.chars.insert(packed.chars.end(), s.begin(), s.end());
    packed.lengths.push_back(static_cast<std::int64_t>(s.size()));
  }
  return packed;
}

std::vector<std::string> unpack(const std::vector<char>& chars,
                                const std::vector<std::int64_t>& lengths) {
  std::vector<std::string> out;
  out.reserve(lengths.size());
  std::size_t offset = 0;
  for (std::int64_t length : lengths) {
    out.emplace_back(chars.data() + offset, static_cast<std::size_t>(length));
    offset += static_cast<std::size_t>(length);
  }
  return out;
}

}  // namespace

std::vector<std::string> Communicator::allgatherv_strings(
    const std::vector<std::string>& local) const {
  PackedStrings packed = pack(local);
  std::vector<char> chars = allgatherv(packed.chars);
  std::vector<std::int64_t> lengths = allgatherv(packed.lengths);
  return unpack(chars, lengths);
}

std::vector<std::string> Communicator::alltoallv_strings(
    const std::vector<std::vector<std::string>>& send, std::vector<std::int64_t>* counts) const {
  std::vector<std::vector<char>> chars(send.size());
  std::vector<std::vector<std::int64_t>> lengths(send.size());
  for (std::size_t d = 0; d < send.size(); ++d) {
    PackedStrings packed = pack(send[d]);
    chars[d] = std::move(packed.chars);
    lengths[d] = std::move(packed.lengths);
  }
  std::vector<char> recv_chars = alltoallv(chars);
  std::vector<std::int64_t> recv_lengths = alltoallv(lengths, counts);
  return unpack(recv_chars, recv_lengths);
}

}  // namespace sceneals::mpi
