// Recognises files that are not text by their first bytes, so that a compressed or binary file
// passed as the interaction log gets "this is a gzip file" instead of a garbled header message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sceneals::io {

/// What `head` (the first bytes of a file) shows the file to be when it is not text: "gzip",
/// "bzip2", "xz", "zstd", "zip", "HDF5" or "binary" (a NUL byte); nullopt for text.
std::optional<std::string> binary_format_name(std::string_view head);

/// The message for a file `format` names: for a compressed file, how to decompress it.
std::string binary_format_message(const std::string& path, const std::string& format);

}  // namespace sceneals::io
