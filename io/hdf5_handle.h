// Small RAII owners for HDF5 identifiers and a checked-call helper, so that no hid_t leaks on an
// exception and no HDF5 failure goes unnoticed. The helper turns a negative return into an
// InternalError naming the call, the object and HDF5's own reason (read from its error stack).
#pragma once

#include <hdf5.h>

#include <string>
#include <utility>

#include "mpi/error.h"

namespace sceneals::io {

/// Owns one HDF5 identifier and closes it with `Close` (H5Fclose, H5Dclose, ...). Move-only.
/// Destroy objects before their file: the MPI-IO driver closes files with H5F_CLOSE_SEMI, which
/// refuses to close a file that still has open objects; declaring the file first does it.
template <herr_t (*Close)(hid_t)>
class Hdf5Handle {
 public:
  Hdf5Handle() = default;
  explicit Hdf5Handle(hid_t id) : id_(id) {}
  Hdf5Handle(Hdf5Handle&& other) noexcept : id_(std::exchange(other.id_, -1)) {}
  Hdf5Handle& operator=(Hdf5Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, -1);
    }
    return *this;
  }
  Hdf5Handle(const Hdf5Handle&) = delete;
  Hdf5Handle& operator=(const Hdf5Handle&) = delete;
  ~Hdf5Handle() { reset(); }

  hid_t get() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }

  /// Closes now. A failed close cannot be reported from a destructor, so it is ignored here;
  /// where it matters (the file), call the close function through check_hdf5 and release().
  void reset() noexcept {
    if (id_ >= 0) (void)Close(id_);
    id_ = -1;
  }
  /// Gives up ownership without closing.
  hid_t release() noexcept { return std::exchange(id_, -1); }

 private:
  hid_t id_ = -1;
};

using FileHandle = Hdf5Handle<H5Fclose>;
using GroupHandle = Hdf5Handle<H5Gclose>;
using DatasetHandle = Hdf5Handle<H5Dclose>;
using DataspaceHandle = Hdf5Handle<H5Sclose>;
using DatatypeHandle = Hdf5Handle<H5Tclose>;
using PropertyListHandle = Hdf5Handle<H5Pclose>;
using AttributeHandle = Hdf5Handle<H5Aclose>;

/// Turns HDF5's automatic printing of error stacks to stderr off while it lives: check_hdf5 puts
/// the reason into the exception instead, and the caller decides whether and where to print it.
class Hdf5ErrorPrintingOff {
 public:
  Hdf5ErrorPrintingOff() {
    if (H5Eget_auto2(H5E_DEFAULT, &saved_func_, &saved_data_) >= 0) {
      saved_ = true;
      (void)H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }
  }
  ~Hdf5ErrorPrintingOff() {
    if (saved_) (void)H5Eset_auto2(H5E_DEFAULT, saved_func_, saved_data_);
  }
  Hdf5ErrorPrintingOff(const Hdf5ErrorPrintingOff&) = delete;
  Hdf5ErrorPrintingOff& operator=(const Hdf5ErrorPrintingOff&) = delete;

 private:
  H5E_auto2_t saved_func_ = nullptr;
  void* saved_data_ = nullptr;
  bool saved_ = false;
};

namespace detail {

/// The outermost and innermost descriptions on HDF5's current error stack: the first says what
/// the API call could not do, the last why (often an errno text such as "Permission denied").
inline std::string hdf5_error_reason() {
  struct Walk {
    std::string outer;
    std::string inner;
  } walk;
  auto visit = [](unsigned depth, const H5E_error2_t* error, void* data) -> herr_t {
    auto* w = static_cast<Walk*>(data);
    const std::string text = error->desc != nullptr ? error->desc : "";
    if (depth == 0) w->outer = text;
    w->inner = text;
    return 0;
  };
  if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, visit, &walk) < 0 || walk.outer.empty())
    return "no reason given";
  (void)H5Eclear2(H5E_DEFAULT);
  return walk.inner == walk.outer ? walk.outer : walk.outer + ": " + walk.inner;
}

}  // namespace detail

/// Returns `result` (an hid_t or herr_t) when it is >= 0; otherwise throws InternalError
/// "HDF5 <call> failed for <where>: <reason>". `where` names the file or object path.
template <class Result>
Result check_hdf5(Result result, const char* call, const std::string& where) {
  if (result < 0)
    throw InternalError("HDF5 " + std::string(call) + " failed for " + where + ": " +
                        detail::hdf5_error_reason());
  return result;
}

}  // namespace sceneals::io
