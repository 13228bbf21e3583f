#!/usr/bin/python3
"""The levels of the hot kernels stay apart in the binary (solver/CMakeLists.txt).

Usage: kernel_isolation.py SCENEALS_BINARY [SOLVER_BUILD_DIR]

Each level's copy of Eigen's and the standard library's templates must be local to its own
object: a global or weak function with AVX-class instructions means the linker merged a level's
instantiation with the baseline's, and baseline code would then run it (SIGILL on a CPU without
those instructions). Checked from the disassembly: no global or weak function has a VEX or EVEX
instruction (any mnemonic v... on xmm, ymm, zmm or mask registers) or a BMI instruction, while
the levels' local code does (so the check can fail). With SOLVER_BUILD_DIR, the merged level
objects (kernels_<level>.o) must also have no startup constructors (.init_array, .ctors): those
run on every CPU before the level is chosen. Sanitizer builds (SCENEALS_SANITIZERS set) are
exempt from that part, as the sanitizers add a constructor to every object.
Exit 77 (skipped) for a binary built without levels. Not for builds with SCENEALS_MARCH, whose
baseline is itself vectorised.
"""
import glob
import os
import re
import subprocess
import sys

VECTOR = re.compile(r"^\s*[0-9a-f]+:\s+(v[a-z0-9]+|kmov[bwdq]|kand\w*|kor\w*)\s.*%(?:[xyz]mm\d+|k[0-7])\b")
# Not tzcnt: GCC emits `rep bsf` for a count of trailing zeros of a non-zero value at any level (the
# older CPUs run it as bsf, with the same result), and objdump names it tzcnt.
BMI = re.compile(r"^\s*[0-9a-f]+:\s+(shlx|sarx|shrx|rorx|andn|bextr|blsi|blsr|blsmsk|bzhi|pdep|pext|mulx|"
                 r"lzcnt|movbe)\s")


def nm(binary):
    return subprocess.run(["nm", "--defined-only", binary], check=True, capture_output=True,
                          text=True).stdout


def functions(symbols_text):
    """{address: (name, binding)} of every function symbol, binding 'global', 'weak' or 'local'."""
    result = {}
    for line in symbols_text.splitlines():
        parts = line.split(" ", 2)
        if len(parts) != 3 or parts[1] not in "TtWw":
            continue
        binding = "local" if parts[1] == "t" else ("weak" if parts[1] in "Ww" else "global")
        # Several names may share an address (aliases); any global one makes it global.
        previous = result.get(int(parts[0], 16))
        if previous is None or previous[1] == "local":
            result[int(parts[0], 16)] = (parts[2], binding)
    return result


def avx_class_functions(binary):
    """{address: first offending instruction} of functions with AVX-class or BMI instructions."""
    found, current = {}, None
    process = subprocess.Popen(["objdump", "-d", "--no-show-raw-insn", binary],
                               stdout=subprocess.PIPE, text=True)
    header = re.compile(r"^([0-9a-f]+) <.*>:$")
    for line in process.stdout:
        match = header.match(line)
        if match:
            current = int(match.group(1), 16)
        elif current is not None and current not in found and (VECTOR.match(line) or BMI.match(line)):
            found[current] = line.strip()
    if process.wait() != 0:
        sys.exit("objdump failed on " + binary)
    return found


def constructors(objects_dir):
    """Names of the merged level objects that have startup constructors."""
    with_constructors = []
    for path in sorted(glob.glob(os.path.join(objects_dir, "kernels_*.o"))):
        sections = subprocess.run(["readelf", "-SW", path], check=True, capture_output=True,
                                  text=True).stdout
        if re.search(r"\s\.(init_array|ctors)(\.\S*)?\s", sections):
            with_constructors.append(os.path.basename(path))
    return with_constructors


def main(binary, objects_dir=None):
    symbols_text = nm(binary)
    if "sceneals_kernels_avx" not in symbols_text:
        print("skipped: the binary has no AVX2 or AVX-512 kernels (SCENEALS_KERNEL_LEVELS)")
        return 77
    symbols = functions(symbols_text)
    found = avx_class_functions(binary)
    leaked = sorted((symbols[a][0], found[a]) for a in found
                    if a in symbols and symbols[a][1] != "local")
    local = [a for a in found if a in symbols and symbols[a][1] == "local"]
    print("%d functions, %d with AVX-class or BMI instructions, %d of them global or weak"
          % (len(symbols), len(found), len(leaked)))
    status = 0
    if not local:
        print("FAIL: no function has AVX-class instructions: the levels' code is missing")
        status = 1
    if leaked:
        print("FAIL: global or weak functions with AVX-class instructions, which baseline code may "
              "call on a CPU without them:")
        for name, instruction in leaked[:20]:
            print("  %s: %s" % (name, instruction))
        status = 1
    if objects_dir is not None and not os.environ.get("SCENEALS_SANITIZERS"):
        objects = glob.glob(os.path.join(objects_dir, "kernels_*.o"))
        if not objects:
            print("FAIL: no kernels_*.o in " + objects_dir)
            status = 1
        bad = constructors(objects_dir)
        print("%d level objects, %d with startup constructors" % (len(objects), len(bad)))
        if bad:
            print("FAIL: level objects with constructors, which run before the level is chosen: "
                  + ", ".join(bad))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
