// `--write-split DIR`: the exact split as train.csv and test.csv, so any other tool can be
// evaluated on the same data. Columns: user,item,scene,value, then timestamp when the input had
// one, and in test.csv cold: 1 for a cold-scene pair, 0 for a warm one. Written collectively, no
// rank holds the whole split.
#pragma once

#include <string>
#include <string_view>

#include "io/sharded_data.h"
#include "io/split.h"
#include "mpi/communicator.h"

namespace sceneals::io {

/// Appends a CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line end.
void append_csv_field(std::string& out, std::string_view field);

/// Collective over world. Creates DIR if needed; errors are AgreedErrors naming the path.
void write_split(const mpi::Communicator& world, const std::string& directory,
                 const ShardedData& data, const SplitRatings& split);

}  // namespace sceneals::io
