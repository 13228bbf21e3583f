#!/usr/bin/python3
"""The levels of the hot kernels stay apart in the binary (solver/CMakeLists.txt).

Usage: kernel_isolation.py SCENEALS_BINARY

Each level's copy of Eigen's and the standard library's templates must be local to its own
object: a global or weak function with AVX or AVX-512 instructions means the linker merged a
level's instantiation with the baseline's, and baseline code would then run it (SIGILL on a CPU
without those instructions). Checked from the disassembly: no global or weak function has an
instruction on ymm or zmm registers, while the levels' local code does (so the check can fail).
Exit 77 (skipped) for a binary built for a given CPU (SCENEALS_MARCH), whose baseline is itself
vectorised that wide, or one built without levels.
"""
import re
import subprocess
import sys

WIDE = re.compile(r"%[yz]mm\d+")


def functions(binary):
    """{address: (name, binding)} of every function symbol, binding 'global', 'weak' or 'local'."""
    out = subprocess.run(["nm", "--defined-only", binary], check=True, capture_output=True,
                         text=True).stdout
    result = {}
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) != 3 or parts[1] not in "TtWw":
            continue
        binding = "local" if parts[1] == "t" else ("weak" if parts[1] in "Ww" else "global")
        # Several names may share an address (aliases); any global one makes it global.
        previous = result.get(int(parts[0], 16))
        if previous is None or previous[1] == "local":
            result[int(parts[0], 16)] = (parts[2], binding)
    return result


def wide_functions(binary):
    """Addresses of the functions with at least one instruction on ymm or zmm registers."""
    wide, current = set(), None
    process = subprocess.Popen(["objdump", "-d", "--no-show-raw-insn", binary],
                               stdout=subprocess.PIPE, text=True)
    header = re.compile(r"^([0-9a-f]+) <.*>:$")
    for line in process.stdout:
        match = header.match(line)
        if match:
            current = int(match.group(1), 16)
        elif current is not None and WIDE.search(line):
            wide.add(current)
    if process.wait() != 0:
        sys.exit("objdump failed on " + binary)
    return wide


def main(binary):
    symbols = functions(binary)
    if not any(name.startswith("sceneals_kernels_avx") for name, _ in symbols.values()):
        # The tables are data, not functions: ask nm for them directly.
        tables = subprocess.run(["nm", "--defined-only", binary], check=True, capture_output=True,
                                text=True).stdout
        if "sceneals_kernels_avx" not in tables:
            print("skipped: the binary has no AVX2 or AVX-512 kernels (SCENEALS_KERNEL_LEVELS)")
            return 77
    wide = wide_functions(binary)
    baseline_solve = [a for a, (name, b) in symbols.items()
                      if b == "global" and "kernel10solve_rows" in name]
    if any(a in wide for a in baseline_solve):
        print("skipped: the baseline kernels are vectorised for a given CPU (SCENEALS_MARCH)")
        return 77
    leaked = sorted(symbols[a][0] for a in wide if a in symbols and symbols[a][1] != "local")
    local_wide = [a for a in wide if a in symbols and symbols[a][1] == "local"]
    print("%d functions, %d with ymm/zmm instructions (all local: %s)"
          % (len(symbols), len(wide), "yes" if not leaked else "no"))
    if not local_wide:
        print("FAIL: no function has ymm/zmm instructions: the levels' code is missing")
        return 1
    if leaked:
        print("FAIL: global or weak functions with ymm/zmm instructions, which baseline code may "
              "call on a CPU without them:")
        for name in leaked[:20]:
            print("  " + name)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
