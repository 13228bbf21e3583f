#!/usr/bin/python3
"""The code's layers (docs/design.md): each folder may include only from the folders below it.

  mpi <- io <- generate
          io <- solver <- eval <- tune <- config <- app (which may include everything)

Prints each folder's actual dependencies (from its #include lines) and fails naming the file
and line of every include that runs against the layers, e.g. io/ including solver/.
"""
import os
import re
import sys

ALLOWED = {
    "mpi": set(),
    "io": {"mpi"},
    "generate": {"io", "mpi"},
    "solver": {"io", "mpi"},
    "eval": {"solver", "io", "mpi"},
    "tune": {"eval", "solver", "io", "mpi"},
    "config": {"tune", "solver", "io", "mpi"},
    "app": {"config", "generate", "tune", "eval", "solver", "io", "mpi"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main(source_dir):
    problems, used = [], {folder: set() for folder in ALLOWED}
    for folder in ALLOWED:
        directory = os.path.join(source_dir, folder)
        if not os.path.isdir(directory):
            problems.append("%s/ is missing" % folder)
            continue
        for name in sorted(os.listdir(directory)):
            if not name.endswith((".h", ".cpp")):
                continue
            path = os.path.join(directory, name)
            with open(path, encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    match = INCLUDE.match(line)
                    if not match or match.group(1) == folder:
                        continue
                    target = match.group(1)
                    used[folder].add(target)
                    if target not in ALLOWED[folder]:
                        problems.append("%s/%s:%d: includes %s/, which %s/ may not use"
                                        % (folder, name, number, target, folder))
    for folder, targets in used.items():
        print("%-9s -> %s" % (folder + "/", ", ".join(sorted(targets)) or "(nothing of ours)"))
    for problem in problems:
        print("FAIL: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")))
