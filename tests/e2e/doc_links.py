#!/usr/bin/python3
"""Every relative link of README.md and docs/*.md resolves to a file or folder of the repository.

Checks Markdown links `[text](target)` and `[text](target#anchor)` whose target is not a URL
(http, https, mailto) nor a bare anchor; a target is relative to the file that holds it. Fails
naming the file, the line and the target of each broken link.
"""
import glob
import os
import re
import sys

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def broken_links(path):
    directory = os.path.dirname(path)
    in_code = False
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.lstrip().startswith("```"):
                in_code = not in_code
                continue
            if in_code:
                continue
            for target in LINK.findall(line):
                if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                    continue
                file_part = target.split("#", 1)[0]
                if not os.path.exists(os.path.normpath(os.path.join(directory, file_part))):
                    yield number, target


def main(source_dir):
    files = [os.path.join(source_dir, "README.md")] + sorted(
        glob.glob(os.path.join(source_dir, "docs", "*.md")))
    problems, links = 0, 0
    for path in files:
        if not os.path.exists(path):
            print("FAIL: %s is missing" % path, file=sys.stderr)
            problems += 1
            continue
        for number, target in broken_links(path):
            print("FAIL: %s:%d: link to %s, which does not exist"
                  % (os.path.relpath(path, source_dir), number, target), file=sys.stderr)
            problems += 1
        with open(path, encoding="utf-8") as handle:
            links += len(LINK.findall(handle.read()))
    print("%d files, %d links checked, %d broken" % (len(files), links, problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")))
