// A file that appears under its name only when complete: written under a temporary name next to
// it and renamed over it at the end (rename is atomic within a directory), so a reader sees the
// old file or the whole new one, never a half-written one. For one rank's output files.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

namespace sceneals::io {

/// "<path>.tmp-<pid>": the temporary name of `path`, in its directory.
std::string temporary_path_for(const std::string& path);

/// Renames `temporary` to `path`; InputError "cannot write 'PATH': reason" on failure (the
/// temporary file is then removed).
void rename_into_place(const std::string& temporary, const std::string& path);

class AtomicFile {
 public:
  /// Creates the temporary file. InputError "cannot write 'PATH': reason" when it cannot.
  explicit AtomicFile(std::string path);
  /// Removes the temporary file unless commit() succeeded.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// InputError naming the file when the bytes cannot be written.
  void write(const void* data, std::size_t bytes);
  void write(const std::string& text) { write(text.data(), text.size()); }
  /// Flushes, closes and renames the file into place; InputError on failure.
  void commit();

 private:
  std::string path_;
  std::string temporary_;
  std::FILE* file_ = nullptr;
};

}  // namespace sceneals::io
