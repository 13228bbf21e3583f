// The least that reading and routing a CSV of interactions can cost on this machine, to judge
// SceneALS's reader against. Each pass reads every rank's byte range of the file again and does
// one more of the steps that any reader and router of interactions must do, in the simplest way
// (none of SceneALS's reader code is used), so the times are a floor for any implementation on
// this machine and these ranks, not a measure of ours:
//
//   1. read the range in 4 MiB blocks (what `cat` does, per rank)
//   2. + find the line ends
//   3. + split each line at its commas, parse the value, hash the user, item and scene ids
//   4. + store a 24-byte record per line in new memory
//   5. + send each record to the rank that owns its user (counting sort by owner, MPI_Alltoallv)
//   6. + on the owner, number the distinct users and items (an open-addressing index of hashes)
//
// A real reader does more: it keeps the ids' text (to write them out), checks every field and
// reports bad lines, and merges duplicates.
//
//   mpirun -n RANKS read_floor FILE [REPEATS]
//
// Prints each pass's time (the median over REPEATS, default 3, of the slowest rank) and its speed
// as a fraction of one process reading the whole file in 128 KiB blocks, as `cat` does. The file
// is the format of `sceneals generate`: a header line, then user,item,scene,value[,...].
#include <fcntl.h>
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "io/id_hash.h"

namespace {

using sceneals::io::hash_id;

constexpr std::size_t kBlockBytes = std::size_t{4} << 20;
constexpr std::size_t kCatBlockBytes = std::size_t{128} << 10;

struct Record {  // 24 bytes: what a rank must keep of a line to route and train on it
  std::uint64_t user_hash;
  std::uint64_t item_hash;
  std::uint32_t scene_hash;
  float value;
};

struct Totals {  // what a pass found, summed over ranks, to check the passes did the work
  std::int64_t lines = 0;
  std::int64_t distinct_users = 0;  // after routing each user lives on one rank: the global count
  double value_sum = 0.0;
};

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "read_floor: %s\n", message.c_str());
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();
}

class File {
 public:
  explicit File(const std::string& path) : path_(path), fd_(::open(path.c_str(), O_RDONLY)) {
    if (fd_ < 0) fail(path + ": cannot open: " + std::strerror(errno));
    const off_t end = ::lseek(fd_, 0, SEEK_END);
    if (end < 0) fail(path + ": cannot seek: " + std::strerror(errno));
    size_ = end;
  }
  ~File() { ::close(fd_); }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  std::int64_t size() const { return size_; }

  std::size_t read_at(char* buffer, std::size_t bytes, std::int64_t offset) const {
    const ssize_t got = ::pread(fd_, buffer, bytes, offset);
    if (got < 0) fail(path_ + ": cannot read: " + std::strerror(errno));
    return static_cast<std::size_t>(got);
  }

  /// Offset just past the first '\n' at or after `offset`, or the file's size.
  std::int64_t after_newline(std::int64_t offset) const {
    char buffer[4096];
    while (offset < size_) {
      const std::size_t got = read_at(buffer, sizeof buffer, offset);
      if (got == 0) break;
      if (const void* newline = std::memchr(buffer, '\n', got)) {
        return offset + (static_cast<const char*>(newline) - buffer) + 1;
      }
      offset += static_cast<std::int64_t>(got);
    }
    return size_;
  }

 private:
  std::string path_;
  int fd_;
  std::int64_t size_ = 0;
};

/// Rank `rank`'s whole lines: the line holding its nominal first byte belongs to the rank before.
/// The header line belongs to no rank.
std::pair<std::int64_t, std::int64_t> line_range(const File& file, int rank, int ranks) {
  const std::int64_t data_begin = file.after_newline(0);
  const auto start = [&](int r) {
    if (r == 0) return data_begin;
    if (r == ranks) return file.size();
    const std::int64_t nominal = data_begin + (file.size() - data_begin) * r / ranks;
    return nominal <= data_begin ? data_begin : file.after_newline(nominal - 1);
  };
  return {start(rank), start(rank + 1)};
}

/// Calls on_lines with whole lines of the range, a block at a time, through one buffer.
void for_each_block(const File& file, std::pair<std::int64_t, std::int64_t> range,
                    std::vector<char>& buffer,
                    const std::function<void(const char*, const char*)>& on_lines) {
  std::size_t carried = 0;  // bytes of a partial line left at the end of the last block
  for (std::int64_t offset = range.first; offset < range.second;) {
    if (carried == buffer.size()) buffer.resize(2 * buffer.size());  // a line longer than it
    const auto wanted = std::min<std::int64_t>(static_cast<std::int64_t>(buffer.size() - carried),
                                               range.second - offset);
    const std::size_t got =
        file.read_at(buffer.data() + carried, static_cast<std::size_t>(wanted), offset);
    if (got == 0) fail("the file shrank while it was read");
    offset += static_cast<std::int64_t>(got);
    const std::size_t filled = carried + got;
    std::size_t whole = filled;  // hand over whole lines only; keep the partial one
    if (offset < range.second) {
      while (whole > 0 && buffer[whole - 1] != '\n') --whole;
    }
    on_lines(buffer.data(), buffer.data() + whole);
    carried = filled - whole;
    std::memmove(buffer.data(), buffer.data() + whole, carried);
  }
}

template <class OnLine>
std::int64_t for_each_line(const char* begin, const char* end, OnLine&& on_line) {
  std::int64_t lines = 0;
  while (begin < end) {
    const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', end - begin));
    const char* line_end = newline ? newline : end;
    if (line_end > begin) {
      on_line(begin, line_end);
      ++lines;
    }
    begin = line_end + 1;
  }
  return lines;
}

struct ParsedLine {
  std::string_view user, item, scene;
  float value = 0.0f;
};

ParsedLine split_line(const char* begin, const char* end) {
  if (end > begin && end[-1] == '\r') --end;
  std::string_view fields[4];
  for (auto& field : fields) {
    const auto* comma = static_cast<const char*>(std::memchr(begin, ',', end - begin));
    const char* field_end = comma ? comma : end;
    field = std::string_view(begin, static_cast<std::size_t>(field_end - begin));
    begin = comma ? comma + 1 : end;
  }
  ParsedLine line{fields[0], fields[1], fields[2], 0.0f};
  const auto parsed =
      std::from_chars(fields[3].data(), fields[3].data() + fields[3].size(), line.value);
  if (parsed.ec != std::errc()) fail("a value is not a number: " + std::string(fields[3]));
  return line;
}

Record make_record(const ParsedLine& line) {
  return {hash_id(line.user), hash_id(line.item), static_cast<std::uint32_t>(hash_id(line.scene)),
          line.value};
}

/// Numbers distinct 64-bit hashes densely: linear probing, doubling at half full.
class HashIndex {
 public:
  std::uint32_t intern(std::uint64_t hash) {
    if (2 * (size_ + 1) > keys_.size()) grow();
    hash |= 1;  // 0 marks an empty slot; one bit less of the hash is harmless here
    std::size_t slot = hash & (keys_.size() - 1);
    while (keys_[slot] != 0 && keys_[slot] != hash) slot = (slot + 1) & (keys_.size() - 1);
    if (keys_[slot] == 0) {
      keys_[slot] = hash;
      rows_[slot] = static_cast<std::uint32_t>(size_++);
    }
    return rows_[slot];
  }
  std::size_t size() const { return size_; }

 private:
  void grow() {
    const std::size_t capacity = std::max<std::size_t>(1024, 2 * keys_.size());
    std::vector<std::uint64_t> keys(capacity, 0);
    std::vector<std::uint32_t> rows(capacity);
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] == 0) continue;
      std::size_t slot = keys_[i] & (capacity - 1);
      while (keys[slot] != 0) slot = (slot + 1) & (capacity - 1);
      keys[slot] = keys_[i];
      rows[slot] = rows_[i];
    }
    keys_.swap(keys);
    rows_.swap(rows);
  }
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint32_t> rows_;
  std::size_t size_ = 0;
};

/// Sends every record to the rank owning its user (the high bits of its hash, as SceneALS
/// places users); returns the records received.
std::vector<Record> route_to_owners(const std::vector<Record>& records, int ranks) {
  const auto owner = [ranks](const Record& r) {
    return sceneals::io::hash_range_part(r.user_hash, ranks);
  };
  std::vector<std::int64_t> records_to(ranks, 0);
  for (const Record& r : records) ++records_to[owner(r)];
  // MPI's counts and offsets are ints: a rank sends and receives under 2 GiB.
  constexpr auto kRecordBytes = static_cast<std::int64_t>(sizeof(Record));
  if (static_cast<std::int64_t>(records.size()) > INT_MAX / kRecordBytes) {
    fail("over 2 GiB on a rank");
  }
  std::vector<int> send_counts(ranks), send_offsets(ranks);
  std::vector<std::int64_t> next(ranks);  // where the next record for each rank goes
  for (std::int64_t first = 0, r = 0; r < ranks; first += records_to[r++]) {
    send_counts[r] = static_cast<int>(records_to[r] * kRecordBytes);
    send_offsets[r] = static_cast<int>(first * kRecordBytes);
    next[r] = first;
  }
  std::vector<Record> grouped(records.size());
  for (const Record& r : records) grouped[next[owner(r)]++] = r;
  std::vector<int> receive_counts(ranks), receive_offsets(ranks, 0);
  MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::int64_t received_bytes = 0;
  for (int r = 0; r < ranks; ++r) {
    if (received_bytes + receive_counts[r] > INT_MAX) fail("over 2 GiB on a rank");
    receive_offsets[r] = static_cast<int>(received_bytes);
    received_bytes += receive_counts[r];
  }
  std::vector<Record> received(static_cast<std::size_t>(received_bytes) / sizeof(Record));
  MPI_Alltoallv(grouped.data(), send_counts.data(), send_offsets.data(), MPI_BYTE, received.data(),
                receive_counts.data(), receive_offsets.data(), MPI_BYTE, MPI_COMM_WORLD);
  return received;
}

/// One pass doing the first `steps` steps (numbered as in the header comment) on this rank's
/// range; returns what it found on this rank.
Totals run_pass(const File& file, std::pair<std::int64_t, std::int64_t> range, int steps, int ranks,
                std::vector<char>& buffer) {
  Totals totals;
  std::vector<Record> records;
  if (steps >= 4) {  // room for every line; pages untouched until written cost nothing
    records.reserve(static_cast<std::size_t>(range.second - range.first) / 8 + 1);
  }
  for_each_block(file, range, buffer, [&](const char* begin, const char* end) {
    if (steps == 1) return;
    totals.lines += for_each_line(begin, end, [&](const char* line_begin, const char* line_end) {
      if (steps == 2) return;
      const ParsedLine line = split_line(line_begin, line_end);
      const Record record = make_record(line);
      totals.value_sum += record.value;
      if (steps >= 4) records.push_back(record);
    });
  });
  if (steps >= 5) records = route_to_owners(records, ranks);
  if (steps >= 6) {
    HashIndex users, items;
    for (const Record& r : records) {
      users.intern(r.user_hash);
      items.intern(r.item_hash);
    }
    totals.distinct_users = static_cast<std::int64_t>(users.size());
  }
  return totals;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/// The slowest rank's time of `work`, started together.
double timed(const std::function<void()>& work) {
  MPI_Barrier(MPI_COMM_WORLD);
  const auto start = std::chrono::steady_clock::now();
  work();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  if (argc < 2 || argc > 3) fail("usage: mpirun -n RANKS read_floor FILE [REPEATS]");
  const int repeats = argc == 3 ? std::atoi(argv[2]) : 3;
  if (repeats < 1) fail("REPEATS must be a positive number");
  const File file(argv[1]);
  const auto range = line_range(file, rank, ranks);
  std::vector<char> buffer(kBlockBytes);

  std::vector<double> cat_times;
  for (int i = 0; i < repeats; ++i) {
    cat_times.push_back(timed([&] {
      if (rank != 0) return;
      std::vector<char> cat_buffer(kCatBlockBytes);
      for (std::int64_t offset = 0; offset < file.size();) {
        const std::size_t got = file.read_at(cat_buffer.data(), cat_buffer.size(), offset);
        if (got == 0) break;
        offset += static_cast<std::int64_t>(got);
      }
    }));
  }
  const double cat_s = median(cat_times);
  if (rank == 0) {
    std::printf("read floor: %s, %lld bytes, %d ranks, median of %d passes of the slowest rank\n",
                argv[1], static_cast<long long>(file.size()), ranks, repeats);
    std::printf("%-58s %9s %10s\n", "pass", "time_s", "speed/cat");
    std::printf("%-58s %9.3f %10.3f\n", "cat: one process reads the file, 128 KiB blocks", cat_s,
                1.0);
  }
  const char* const names[] = {"1. read the rank's range, 4 MiB blocks",
                               "2. + find the line ends",
                               "3. + split fields, parse the value, hash the ids",
                               "4. + store a 24-byte record per line",
                               "5. + send each record to its user's rank",
                               "6. + number the distinct users and items"};
  Totals last;
  for (int steps = 1; steps <= 6; ++steps) {
    std::vector<double> times;
    for (int i = 0; i < repeats; ++i) {
      times.push_back(timed([&] { last = run_pass(file, range, steps, ranks, buffer); }));
    }
    const double seconds = median(times);
    if (rank == 0) {
      std::printf("%-58s %9.3f %10.3f\n", names[steps - 1], seconds, cat_s / seconds);
    }
  }
  MPI_Allreduce(MPI_IN_PLACE, &last.lines, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, &last.distinct_users, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, &last.value_sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) {
    std::printf("lines %lld, distinct users %lld, sum of values %.6f\n",
                static_cast<long long>(last.lines), static_cast<long long>(last.distinct_users),
                last.value_sum);
  }
  MPI_Finalize();
  return 0;
}
