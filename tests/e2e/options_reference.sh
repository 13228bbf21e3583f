# docs/options.md is generated from the option table (docs/make_options_reference.sh): it must
# be what the program prints today, and every option a command accepts must appear in it.
source "$(dirname "$0")/common.sh"
reference="$SCENEALS_SOURCE_DIR/docs/options.md"
bash "$SCENEALS_SOURCE_DIR/docs/make_options_reference.sh" "$SCENEALS" >"$WORK/options.md"
if ! diff -u "$reference" "$WORK/options.md" >"$WORK/options.diff"; then
  head -40 "$WORK/options.diff" >&2
  fail "docs/options.md differs from the option table: run bash docs/make_options_reference.sh build/app/sceneals > docs/options.md"
fi
for command in train evaluate generate recommend export; do
  for option in $("$SCENEALS" "$command" --help | grep -oE '^  (-h \[ )?--[a-z-]+' | grep -oE -- '--[a-z-]+'); do
    grep -qF -- "$option" "$reference" || fail "docs/options.md does not mention $command $option"
  done
done
echo "docs/options.md is the option table of every command"
