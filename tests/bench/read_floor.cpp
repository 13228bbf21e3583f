// A lower bound, on the machine it runs on, for reading and routing a CSV of interactions: the
// figure to judge SceneALS's reader and router against, and to tell whether a speed target is
// within reach of any reader. Each pass reads every rank's byte range of the file again and adds
// one step that any reader and router of interactions must take, done the cheapest way we know:
//
//   1. read the range in 4 MiB blocks (what `cat` does, per rank)
//   2. + find the line ends
//   3. + split each line at its commas, parse the value, and hash the user, item and scene ids
//      with a hash that takes 8 bytes at a time (SceneALS's stable hash takes one byte at a time,
//      but a reader needs that one only once per distinct id)
//   4. + store a 24-byte record per line, straight into the bucket of the rank owning its user
//   5. + send each bucket to its rank (the rank's own stays where it is)
//   6. + on the owner, number the distinct users and items (indexes sized in advance for the
//      ids they will hold, counted in an untimed pass) and write the rows into the records
//
// A real reader does more: it keeps the ids' text (to write them out), checks every field and
// reports bad lines, and merges duplicates. None of SceneALS's reader is used; MPI is called
// directly.
//
//   mpirun -n RANKS read_floor FILE [REPEATS]
//
// Prints each pass's time (the median over REPEATS, default 3, of the slowest rank) and its speed
// as a fraction of one process reading the whole file in 128 KiB blocks, as `cat` does; then, to
// show that each pass did its work, what each found. The file is the format of `sceneals
// generate`: a header line, then user,item,scene,value[,...] lines.
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
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t kBlockBytes = std::size_t{4} << 20;
constexpr std::size_t kCatBlockBytes = std::size_t{128} << 10;
constexpr int kPasses = 6;

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "read_floor: %s\n", message.c_str());
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();
}

/// A 64-bit hash of an id that takes 8 bytes per step (not SceneALS's stable hash).
std::uint64_t word_hash(std::string_view id) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL * (id.size() + 1);
  std::size_t i = 0;
  for (; i + 8 <= id.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, id.data() + i, 8);
    h = (h ^ word) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  }
  if (i < id.size()) {
    std::uint64_t word = 0;
    std::memcpy(&word, id.data() + i, id.size() - i);
    h = (h ^ word) * 0x94D049BB133111EBULL;
  }
  return h ^ (h >> 29);
}

/// The rank owning a user: the high bits of its hash, as SceneALS places users.
int owner_of(std::uint64_t user_hash, int ranks) {
  __extension__ using Wide = unsigned __int128;  // GCC/Clang extension; -Wpedantic accepts it here
  return static_cast<int>((static_cast<Wide>(user_hash) * static_cast<unsigned>(ranks)) >> 64);
}

struct Record {        // 24 bytes: what a rank must keep of a line to route it and train on it
  std::uint64_t user;  // the id's hash until pass 6 writes the user's row
  std::uint64_t item;  // likewise
  std::uint32_t scene_hash;
  float value;
};

struct Found {  // what a pass found on a rank, summed over ranks for the report
  std::int64_t lines = 0;
  std::uint64_t id_checksum = 0;  // sum of the ids' hashes: passes 3-6 must agree
  double value_sum = 0.0;
  std::int64_t routed = 0;     // records held after routing (own bucket and received)
  std::int64_t misplaced = 0;  // of those, records whose user another rank owns
  double routed_value_sum = 0.0;
  std::int64_t users = 0;  // distinct users numbered; one owner each, so the global count
  std::int64_t items = 0;  // distinct items numbered, summed over owners
};

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

struct ByteRange {
  std::int64_t begin, end;
};

/// Rank `rank`'s whole lines: the line holding its nominal first byte belongs to the rank before.
/// The header line belongs to no rank.
ByteRange line_range(const File& file, int rank, int ranks) {
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
void for_each_block(const File& file, ByteRange range, std::vector<char>& buffer,
                    const std::function<void(const char*, const char*)>& on_lines) {
  std::size_t carried = 0;  // bytes of a partial line left at the end of the last block
  for (std::int64_t offset = range.begin; offset < range.end;) {
    if (carried == buffer.size()) buffer.resize(2 * buffer.size());  // a line longer than it
    const auto wanted = std::min<std::int64_t>(static_cast<std::int64_t>(buffer.size() - carried),
                                               range.end - offset);
    const std::size_t got =
        file.read_at(buffer.data() + carried, static_cast<std::size_t>(wanted), offset);
    if (got == 0) fail("the file shrank while it was read");
    offset += static_cast<std::int64_t>(got);
    const std::size_t filled = carried + got;
    std::size_t whole = filled;  // hand over whole lines only; keep the partial one
    if (offset < range.end) {
      while (whole > 0 && buffer[whole - 1] != '\n') --whole;
    }
    on_lines(buffer.data(), buffer.data() + whole);
    carried = filled - whole;
    std::memmove(buffer.data(), buffer.data() + whole, carried);
  }
}

/// Calls on_line with each line that is not blank, without its line end ("\n" or "\r\n").
template <class OnLine>
std::int64_t for_each_line(const char* begin, const char* end, OnLine&& on_line) {
  std::int64_t lines = 0;
  while (begin < end) {
    const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', end - begin));
    const char* line_end = newline ? newline : end;
    const char* text_end = line_end > begin && line_end[-1] == '\r' ? line_end - 1 : line_end;
    if (text_end > begin) {
      on_line(begin, text_end);
      ++lines;
    }
    begin = newline ? newline + 1 : end;
  }
  return lines;
}

Record parse_record(const char* begin, const char* end) {
  std::string_view fields[4];
  for (auto& field : fields) {
    const auto* comma = static_cast<const char*>(std::memchr(begin, ',', end - begin));
    const char* field_end = comma ? comma : end;
    field = std::string_view(begin, static_cast<std::size_t>(field_end - begin));
    begin = comma ? comma + 1 : end;
  }
  Record record{word_hash(fields[0]), word_hash(fields[1]),
                static_cast<std::uint32_t>(word_hash(fields[2])), 0.0f};
  const char* value_end = fields[3].data() + fields[3].size();
  if (std::from_chars(fields[3].data(), value_end, record.value).ec != std::errc()) {
    fail("a value is not a number: '" + std::string(fields[3]) + "'");
  }
  return record;
}

/// Numbers distinct 64-bit hashes densely: linear probing, key and row in one slot (one cache
/// miss a lookup). Sized for the ids expected; it doubles only if there are more.
class HashIndex {
 public:
  explicit HashIndex(std::int64_t expected) { resize(static_cast<std::size_t>(expected)); }
  std::uint32_t row_of(std::uint64_t hash) {
    hash |= 1;  // 0 marks an empty slot; one bit less of the hash is harmless here
    std::size_t slot = find(hash);
    if (slots_[slot].key == 0) {
      if (2 * (size_ + 1) > slots_.size()) {
        resize(size_ + 1);
        slot = find(hash);
      }
      slots_[slot] = Slot{hash, static_cast<std::uint32_t>(size_++)};
    }
    return slots_[slot].row;
  }
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t key;
    std::uint32_t row;
  };
  std::size_t find(std::uint64_t hash) const {
    const std::size_t mask = slots_.size() - 1;
    std::size_t slot = hash & mask;
    while (slots_[slot].key != 0 && slots_[slot].key != hash) slot = (slot + 1) & mask;
    return slot;
  }
  void resize(std::size_t ids) {  // at most half full
    std::size_t capacity = 1024;
    while (capacity < 2 * ids) capacity *= 2;
    std::vector<Slot> old(capacity, Slot{0, 0});
    old.swap(slots_);
    for (const Slot& s : old) {
      if (s.key != 0) slots_[find(s.key)] = s;
    }
  }
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

/// Sends each bucket to its rank, keeping the rank's own; returns the records received.
std::vector<Record> exchange_buckets(const std::vector<std::vector<Record>>& buckets, int rank,
                                     MPI_Datatype record_type) {
  const int ranks = static_cast<int>(buckets.size());
  std::vector<int> send_counts(ranks), receive_counts(ranks);
  for (int r = 0; r < ranks; ++r) {
    if (buckets[r].size() > static_cast<std::size_t>(INT_MAX)) fail("over 2^31 records to a rank");
    send_counts[r] = r == rank ? 0 : static_cast<int>(buckets[r].size());
  }
  MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::vector<std::size_t> receive_offsets(ranks, 0);
  std::size_t received = 0;
  for (int r = 0; r < ranks; ++r) {
    receive_offsets[r] = received;
    received += static_cast<std::size_t>(receive_counts[r]);
  }
  std::vector<Record> records(received);
  std::vector<MPI_Request> requests;
  for (int r = 0; r < ranks; ++r) {
    if (receive_counts[r] > 0) {
      requests.emplace_back();
      MPI_Irecv(records.data() + receive_offsets[r], receive_counts[r], record_type, r, 0,
                MPI_COMM_WORLD, &requests.back());
    }
  }
  for (int r = 0; r < ranks; ++r) {
    if (send_counts[r] > 0) {
      requests.emplace_back();
      MPI_Isend(buckets[r].data(), send_counts[r], record_type, r, 0, MPI_COMM_WORLD,
                &requests.back());
    }
  }
  MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
  return records;
}

struct PassContext {
  const File& file;
  ByteRange range;
  int rank, ranks;
  MPI_Datatype record_type;
  std::int64_t expected_users, expected_items;  // the indexes' sizes; 0 in the counting pass
};

/// One pass doing the first `steps` steps (numbered as in the header comment) on this rank's
/// range; returns what it found on this rank.
Found run_pass(const PassContext& context, int steps, std::vector<char>& buffer) {
  Found found;
  buffer.resize(kBlockBytes);  // a long line of an earlier pass may have grown it
  std::vector<std::vector<Record>> buckets(steps >= 4 ? context.ranks : 0);
  for (auto& bucket : buckets) {  // room for every line; pages untouched until written are free
    bucket.reserve(static_cast<std::size_t>(context.range.end - context.range.begin) / 8 + 1);
  }
  for_each_block(context.file, context.range, buffer, [&](const char* begin, const char* end) {
    if (steps == 1) return;
    found.lines += for_each_line(begin, end, [&](const char* line_begin, const char* line_end) {
      if (steps == 2) return;
      const Record record = parse_record(line_begin, line_end);
      found.id_checksum += record.user + 3 * record.item + 7 * record.scene_hash;
      found.value_sum += record.value;
      if (steps >= 4) buckets[owner_of(record.user, context.ranks)].push_back(record);
    });
  });
  if (steps < 5) return found;
  std::vector<Record> received = exchange_buckets(buckets, context.rank, context.record_type);
  std::vector<Record>& own = buckets[context.rank];
  for (const auto* records : {&own, &received}) {
    for (const Record& r : *records) {
      ++found.routed;
      found.misplaced += owner_of(r.user, context.ranks) != context.rank;
      found.routed_value_sum += r.value;
    }
  }
  if (steps < 6) return found;
  HashIndex users(context.expected_users), items(context.expected_items);
  for (auto* records : {&own, &received}) {
    for (Record& r : *records) {
      r.user = users.row_of(r.user);
      r.item = items.row_of(r.item);
    }
  }
  found.users = static_cast<std::int64_t>(users.size());
  found.items = static_cast<std::int64_t>(items.size());
  return found;
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

Found sum_over_ranks(Found found) {
  for (std::int64_t* count :
       {&found.lines, &found.routed, &found.misplaced, &found.users, &found.items}) {
    MPI_Allreduce(MPI_IN_PLACE, count, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  }
  for (double* sum : {&found.value_sum, &found.routed_value_sum}) {
    MPI_Allreduce(MPI_IN_PLACE, sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  }
  MPI_Allreduce(MPI_IN_PLACE, &found.id_checksum, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  return found;
}

double time_cat(const File& file, int rank) {
  return timed([&] {
    if (rank != 0) return;
    std::vector<char> buffer(kCatBlockBytes);
    for (std::int64_t offset = 0; offset < file.size();) {
      const std::size_t got = file.read_at(buffer.data(), buffer.size(), offset);
      if (got == 0) break;
      offset += static_cast<std::int64_t>(got);
    }
  });
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
  MPI_Datatype record_type;
  MPI_Type_contiguous(static_cast<int>(sizeof(Record)), MPI_BYTE, &record_type);
  MPI_Type_commit(&record_type);
  {
    const File file(argv[1]);
    PassContext context{file, line_range(file, rank, ranks), rank, ranks, record_type, 0, 0};
    std::vector<char> buffer(kBlockBytes);
    // Untimed: count each owner's distinct ids for the indexes, and bring the file into memory.
    const Found counted = run_pass(context, kPasses, buffer);
    context.expected_users = counted.users;
    context.expected_items = counted.items;

    std::vector<double> cat_times;
    for (int i = 0; i < repeats; ++i) cat_times.push_back(time_cat(file, rank));
    const double cat_s = median(cat_times);
    if (rank == 0) {
      std::printf("read floor: %s, %lld bytes, %d ranks, median of %d passes of the slowest rank\n",
                  argv[1], static_cast<long long>(file.size()), ranks, repeats);
      std::printf("%-58s %9s %10s\n", "pass", "time_s", "speed/cat");
      std::printf("%-58s %9.3f %10.3f\n", "cat: one process reads the file, 128 KiB blocks", cat_s,
                  1.0);
    }
    const char* const names[kPasses] = {"1. read the rank's range, 4 MiB blocks",
                                        "2. + find the line ends",
                                        "3. + split fields, parse the value, hash the ids",
                                        "4. + store a 24-byte record in its owner's bucket",
                                        "5. + send each bucket to its rank",
                                        "6. + number the distinct users and items"};
    std::vector<Found> found(kPasses);
    for (int steps = 1; steps <= kPasses; ++steps) {
      std::vector<double> times;
      for (int i = 0; i < repeats; ++i) {
        times.push_back(timed([&] { found[steps - 1] = run_pass(context, steps, buffer); }));
      }
      const double seconds = median(times);
      if (rank == 0) {
        std::printf("%-58s %9.3f %10.3f\n", names[steps - 1], seconds, cat_s / seconds);
      }
    }
    for (int steps = 1; steps <= kPasses; ++steps) {
      const Found total = sum_over_ranks(found[steps - 1]);
      if (rank != 0) continue;
      std::printf("found by pass %d: lines %lld, id checksum %016llx, routed %lld, misplaced %lld",
                  steps, static_cast<long long>(total.lines),
                  static_cast<unsigned long long>(total.id_checksum),
                  static_cast<long long>(total.routed), static_cast<long long>(total.misplaced));
      std::printf(", routed sum of values %.6f, items numbered on their users' ranks %lld\n",
                  total.routed_value_sum, static_cast<long long>(total.items));
      if (steps == kPasses) {
        std::printf("lines %lld, distinct users %lld, sum of values %.6f\n",
                    static_cast<long long>(total.lines), static_cast<long long>(total.users),
                    total.value_sum);
      }
    }
  }
  MPI_Type_free(&record_type);
  MPI_Finalize();
  return 0;
}
