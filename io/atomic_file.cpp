#include "io/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mpi/error.h"

namespace sceneals::io {

namespace {

[[noreturn]] void fail(const std::string& path, int error) {
  throw InputError("cannot write '" + path + "': " + std::strerror(error));
}

}  // namespace

std::string temporary_path_for(const std::string& path) {
  return path + ".tmp-" + std::to_string(static_cast<long long>(::getpid()));
}

void rename_into_place(const std::string& temporary, const std::string& path) {
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    fail(path, error);
  }
}

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), temporary_(temporary_path_for(path_)) {
  file_ = std::fopen(temporary_.c_str(), "wb");
  if (file_ == nullptr) fail(path_, errno);
}

AtomicFile::~AtomicFile() {
  if (file_ == nullptr) return;
  std::fclose(file_);
  std::remove(temporary_.c_str());
}

void AtomicFile::write(const void* data, std::size_t bytes) {
  if (bytes > 0 && std::fwrite(data, 1, bytes, file_) != bytes) fail(path_, errno);
}

void AtomicFile::commit() {
  const bool flushed = std::fflush(file_) == 0;
  const int error = errno;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!flushed || !closed) {
    std::remove(temporary_.c_str());
    fail(path_, flushed ? errno : error);
  }
  rename_into_place(temporary_, path_);
}

}  // namespace sceneals::io
