// Successive halving (Jamieson and Talwalkar 2016): every candidate trains a few iterations, the
// best third trains three times as many, and so on until the last rung trains the survivors
// fully. Pure: the schedule and its cost, so that a budget can be checked before any training.
#pragma once

#include <cstdint>
#include <vector>

namespace sceneals::tune {

/// Survivors of a rung: ceil(n / 3).
int survivors(int candidates);

/// Rungs for n candidates: 1 + floor(log3 n), at most 3 (one rung: train everything fully).
int rung_count(int candidates);

/// Iterations a candidate of `full` iterations trains in rung `rung` (0-based) of `rungs`:
/// full / 3^(rungs - 1 - rung), rounded, at least 1; the last rung trains `full`.
int rung_iterations(int full, int rung, int rungs);

/// The iterations the whole search can take at most: survivors are assumed to be the
/// candidates with the most iterations. `full` holds each candidate's iterations.
std::int64_t schedule_cost(std::vector<int> full);

/// The groups of ranks that train candidates side by side: `requested` (at most `ranks`), or
/// with 0 one group up to 3 ranks and from 4 ranks on the largest of 2, 3, 4 that divides the
/// ranks and leaves each group at least 2 (each group holds the whole data set: memory per rank
/// grows with the groups).
int search_groups(int requested, int ranks);

}  // namespace sceneals::tune
