#!/usr/bin/python3
"""Every relative link of README.md and docs/*.md resolves: to a file or folder of the
repository, and an #anchor to a heading of the Markdown file it names.

Checks Markdown links `[text](target)`, `[text](target#anchor)` and `[text](#anchor)` whose
target is not a URL (http, https, mailto); a target is relative to the file that holds it.
Anchors follow GitHub's rule: the heading's text in lower case, without punctuation other than
'-' and '_', spaces made '-', and '-1', '-2'... for repeated headings. Fails naming the file,
the line and the target of each broken link.
"""
import glob
import os
import re
import sys

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def heading_anchors(path):
    """The anchors GitHub gives the headings of a Markdown file."""
    anchors, seen, in_code = set(), {}, False
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.lstrip().startswith("```"):
                in_code = not in_code
            heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if in_code or not heading:
                continue
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.group(1))  # link text only
            slug = re.sub(r"[^\w\- ]", "", text.replace("`", "").lower()).replace(" ", "-")
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchors.add(slug if count == 0 else "%s-%d" % (slug, count))
    return anchors


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
                if re.match(r"^[a-z]+:", target):
                    continue
                file_part, _, anchor = target.partition("#")
                linked = os.path.normpath(os.path.join(directory, file_part)) if file_part else path
                if not os.path.exists(linked):
                    yield number, target
                elif anchor and linked.endswith(".md") and anchor not in heading_anchors(linked):
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
            print("FAIL: %s:%d: link to %s, which does not exist (file or heading)"
                  % (os.path.relpath(path, source_dir), number, target), file=sys.stderr)
            problems += 1
        with open(path, encoding="utf-8") as handle:
            links += len(LINK.findall(handle.read()))
    print("%d files, %d links checked, %d broken" % (len(files), links, problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")))
