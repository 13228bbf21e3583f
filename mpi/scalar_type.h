// Compile-time table from the C++ types our collectives accept to a tag that communicator.cpp
// turns into an MPI_Datatype (the rabit GetType idea). A type missing here fails to compile.
#pragma once

#include <cstdint>
#include <type_traits>

namespace sceneals::mpi {

enum class ScalarType { kFloat, kDouble, kInt32, kInt64, kUInt8, kUInt32, kUInt64, kChar };

template <class T>
struct ScalarTypeOf {
  static_assert(!std::is_same_v<T, T>, "no MPI datatype is mapped for this type");
};
template <>
struct ScalarTypeOf<float> {
  static constexpr ScalarType value = ScalarType::kFloat;
};
template <>
struct ScalarTypeOf<double> {
  static constexpr ScalarType value = ScalarType::kDouble;
};
template <>
struct ScalarTypeOf<std::int32_t> {
  static constexpr ScalarType value = ScalarType::kInt32;
};
template <>
struct ScalarTypeOf<std::int64_t> {
  static constexpr ScalarType value = ScalarType::kInt64;
};
template <>
struct ScalarTypeOf<std::uint8_t> {
  static constexpr ScalarType value = ScalarType::kUInt8;
};
template <>
struct ScalarTypeOf<std::uint32_t> {
  static constexpr ScalarType value = ScalarType::kUInt32;
};
template <>
struct ScalarTypeOf<std::uint64_t> {
  static constexpr ScalarType value = ScalarType::kUInt64;
};
template <>
struct ScalarTypeOf<char> {
  static constexpr ScalarType value = ScalarType::kChar;
};

enum class ReduceOp { kSum, kMax, kMin };

}  // namespace sceneals::mpi
