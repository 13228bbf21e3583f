#!/usr/bin/python3
"""MovieLens 100K as an interaction log plus item content features, to try
`sceneals train --item-features` and the cold-item evaluation on real data.

Why: ml-100k's u.item carries the only content MovieLens 100K has (19 genre flags and a release
date), which is what `--item-features` and eval/content_baseline.py need; `--format movielens`
makes scenes from genres instead, so a genre-free log with one scene is written here.

How
  --interactions OUT.csv  user,item,scene,value,timestamp: one row per line of u.data
                          (user<TAB>item<TAB>rating<TAB>timestamp), value = the rating, scene
                          the single name --scene (default movies). Ids as in u.data.
  --features OUT.csv      item,<19 genre names>,<release period>: one row per movie of u.item,
                          the genre flags 0/1, then the release year (01-Jan-1995 -> 1995),
                          by default as one-hot periods (--year-encoding periods): before 1950,
                          each decade to the 1980s, then each single year from 1990 on. Why
                          periods: interest in a movie does not grow linearly with its year
                          (the newest releases are watched most, in ml-100k those of 1997-98,
                          next to old classics), and a linear model, the feature map's as much
                          as the content-profile baseline's, can use a flag per period but not
                          a curve in one number. --year-encoding number writes the year itself.
                          Genre names and order come from u.genre when it sits next to u.item,
                          else the fixed ml-100k order. Movies without a release date (one in
                          ml-100k: 267 "unknown") get the median year of the dated movies (the
                          lower median when their number is even, so it stays a whole year).
u.item is latin-1 and '|'-separated; u.data is tab-separated. A malformed line stops the script
with exit code 1 and a message naming FILE:LINE; nothing is written then.

usage: eval/movielens_features.py --data-dir ml-100k --interactions ml.csv --features feat.csv
"""
import argparse
import csv
import os
import statistics
import sys

GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
          "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
          "Romance", "Sci-Fi", "Thriller", "War", "Western"]


class InputError(Exception):
    pass


def read_genres(path):
    """Genre names in flag order from u.genre (name|index lines), or the fixed order."""
    if not os.path.exists(path):
        return list(GENRES)
    by_index = {}
    with open(path, encoding="latin-1") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            name, sep, index = line.rpartition("|")
            if not sep or not name or not index.isdigit() or int(index) in by_index:
                raise InputError(f"{path}:{number}: expected 'name|index', got {line!r}")
            by_index[int(index)] = name
    if sorted(by_index) != list(range(len(by_index))) or not by_index:
        raise InputError(f"{path}: genre indexes must be 0..n-1, got {sorted(by_index)}")
    return [by_index[i] for i in range(len(by_index))]


def release_periods(latest):
    """[(column name, first year, year after the last)]: before 1950, the decades 1950-1989,
    then one column per year from 1990 to `latest`."""
    periods = [("year<1950", -10**9, 1950)]
    periods += [(f"year{d}s", d, d + 10) for d in range(1950, 1990, 10)]
    periods += [(f"year{y}", y, y + 1) for y in range(1990, max(latest, 1990) + 1)]
    return periods


def parse_year(date, where):
    """'01-Jan-1995' -> 1995; '' -> None."""
    if not date.strip():
        return None
    year = date.strip().rsplit("-", 1)[-1]
    if len(year) != 4 or not year.isdigit():
        raise InputError(f"{where}: release date {date!r} is not like 01-Jan-1995")
    return int(year)


def read_items(path, genres):
    """[(item id, [flags], year or None)] in file order."""
    items, seen = [], set()
    with open(path, encoding="latin-1") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\r\n")
            if not line:
                continue
            where = f"{path}:{number}"
            fields = line.split("|")
            if len(fields) != 5 + len(genres):
                raise InputError(f"{where}: {len(fields)} fields, expected {5 + len(genres)} "
                                 f"(id|title|date|video date|url|{len(genres)} genre flags)")
            item = fields[0]
            if not item.isdigit():
                raise InputError(f"{where}: movie id {item!r} is not a number")
            if item in seen:
                raise InputError(f"{where}: movie id {item} repeated")
            seen.add(item)
            flags = fields[5:]
            if any(flag not in ("0", "1") for flag in flags):
                raise InputError(f"{where}: genre flags must be 0 or 1, got {'|'.join(flags)}")
            items.append((item, [int(flag) for flag in flags], parse_year(fields[2], where)))
    if not items:
        raise InputError(f"{path}: no movies")
    return items


def read_ratings(path, known_items):
    rows = []
    with open(path, encoding="latin-1") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\r\n")
            if not line:
                continue
            fields = line.split("\t")
            where = f"{path}:{number}"
            if len(fields) != 4 or not all(f.strip().isdigit() for f in fields):
                raise InputError(f"{where}: expected user<TAB>item<TAB>rating<TAB>timestamp "
                                 f"(whole numbers), got {line!r}")
            user, item, rating, timestamp = (f.strip() for f in fields)
            if item not in known_items:
                raise InputError(f"{where}: movie {item} is not in u.item")
            if int(rating) <= 0:
                raise InputError(f"{where}: rating {rating} must be positive")
            rows.append((user, item, rating, timestamp))
    if not rows:
        raise InputError(f"{path}: no ratings")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, help="folder holding u.data and u.item")
    parser.add_argument("--interactions", required=True, help="CSV log to write")
    parser.add_argument("--features", required=True, help="item features CSV to write")
    parser.add_argument("--scene", default="movies", help="the one scene name (default movies)")
    parser.add_argument("--year-encoding", choices=["periods", "number"], default="periods",
                        help="the release year as one-hot periods (default) or as one number")
    args = parser.parse_args()
    if not args.scene or "/" in args.scene or args.scene in (".", ".."):
        parser.error(f"--scene {args.scene!r}: a scene name cannot be empty, '.', '..' or hold '/'")
    try:
        genres = read_genres(os.path.join(args.data_dir, "u.genre"))
        items = read_items(os.path.join(args.data_dir, "u.item"), genres)
        ratings = read_ratings(os.path.join(args.data_dir, "u.data"), {i[0] for i in items})
    except (InputError, OSError) as error:
        sys.exit(f"movielens_features.py: error: {error}")

    dated = [year for _, _, year in items if year is not None]
    if not dated:
        sys.exit("movielens_features.py: error: no movie has a release date")
    median_year = statistics.median_low(dated)
    undated = sum(1 for _, _, year in items if year is None)

    with open(args.interactions, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["user", "item", "scene", "value", "timestamp"])
        for user, item, rating, timestamp in ratings:
            writer.writerow([user, item, args.scene, rating, timestamp])
    years = [median_year if year is None else year for _, _, year in items]
    if args.year_encoding == "number":
        year_names, year_columns = ["year"], [[year] for year in years]
    else:
        periods = release_periods(max(years))
        year_names = [name for name, _, _ in periods]
        year_columns = [[int(low <= year < high) for _, low, high in periods] for year in years]
    with open(args.features, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["item"] + genres + year_names)
        for (item, flags, _), columns in zip(items, year_columns):
            writer.writerow([item] + flags + columns)
    print(f"{len(ratings)} ratings -> {args.interactions}; {len(items)} movies x "
          f"{len(genres) + len(year_names)} features -> {args.features} ({undated} without a "
          f"release date given the median year {median_year})")


if __name__ == "__main__":
    main()
