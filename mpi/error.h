// The error types every folder throws, and the exit codes of the contract (docs/design.md).
// This header has no MPI in it, so code that never touches MPI can still throw these.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace sceneals {

/// Process exit codes promised by docs/design.md.
enum class ExitCode : int {
  kSuccess = 0,
  kBadInput = 1,      ///< bad input file, bad option, unwritable output
  kInternal = 2,      ///< internal or MPI failure
  kCheckpointed = 3,  ///< checkpointed on a signal; resume me
};

/// A problem with what the user gave us (a file, a line, an option). Exit code 1.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
  /// "FILE:LINE: reason", the form compilers use, so editors and grep can jump to it.
  InputError(const std::string& file, std::int64_t line, const std::string& reason)
      : std::runtime_error(file + ":" + std::to_string(line) + ": " + reason) {}
  InputError(const std::string& file, const std::string& reason)
      : std::runtime_error(file + ": " + reason) {}
};

/// A broken invariant of ours: a bug, never the user's fault. Exit code 2.
class InternalError : public std::logic_error {
 public:
  explicit InternalError(const std::string& message) : std::logic_error(message) {}
};

/// An error that every rank has already agreed on (see mpi/error_agreement.h): all ranks throw it
/// together, so no rank is left waiting in a collective and main() may finalize MPI normally.
class AgreedError : public std::runtime_error {
 public:
  AgreedError(ExitCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

/// Checks an internal invariant; throws InternalError naming the condition when it fails.
inline void check_invariant(bool condition, const char* what) {
  if (!condition) throw InternalError(std::string("internal invariant violated: ") + what);
}

}  // namespace sceneals
