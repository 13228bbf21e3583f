#include "io/split_writer.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <optional>

#include "mpi/error_agreement.h"
#include "mpi/parallel_text_file.h"

namespace sceneals::io {

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

namespace {

void append_value(std::string& out, float value) {
  char buffer[32];
  // Shortest representation that reads back as the same float.
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

std::string format_lines(const ShardedData& data, const std::vector<Rating>& ratings,
                         const std::vector<std::uint8_t>* cold) {
  char timestamp[24];
  std::string out;
  for (std::size_t i = 0; i < ratings.size(); ++i) {
    const Rating& r = ratings[i];
    append_csv_field(out, data.users.id_of_row(r.user_row));
    out.push_back(',');
    append_csv_field(out, data.item_ids_seen.at(r.item_row));
    out.push_back(',');
    append_csv_field(out, data.scenes[static_cast<std::size_t>(r.scene)]);
    out.push_back(',');
    append_value(out, r.value);
    if (data.has_timestamps) {
      const auto written = std::to_chars(timestamp, timestamp + sizeof(timestamp), r.timestamp);
      out.push_back(',');
      out.append(timestamp, written.ptr);
    }
    if (cold != nullptr) {  // the test kind: 0 warm, 1 cold-scene, 2 cold-item (io/split.h)
      out.push_back(',');
      out.push_back(static_cast<char>('0' + (*cold)[i]));
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace

void write_split(const mpi::Communicator& world, const std::string& directory,
                 const ShardedData& data, const SplitRatings& split) {
  std::optional<mpi::LocalError> error;
  if (world.is_root()) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec)
      error = mpi::LocalError{ExitCode::kBadInput, "--write-split: cannot create directory '" +
                                                       directory + "': " + ec.message()};
  }
  mpi::agree_on_error(world, error);
  // The timestamp column is kept when the input had one, so a tool (or sceneals) training on
  // train.csv again holds out by time the same way.
  const std::string columns =
      data.has_timestamps ? "user,item,scene,value,timestamp" : "user,item,scene,value";
  std::string train = world.is_root() ? columns + "\n" : "";
  train += format_lines(data, split.train, nullptr);
  mpi::write_text_collectively(world, directory + "/train.csv", train);
  std::string test = world.is_root() ? columns + ",cold\n" : "";
  test += format_lines(data, split.test, &split.test_cold);
  mpi::write_text_collectively(world, directory + "/test.csv", test);
}

}  // namespace sceneals::io
