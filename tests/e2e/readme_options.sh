# The README documents every option the program accepts (so it cannot silently fall behind).
source "$(dirname "$0")/common.sh"
readme="$SCENEALS_SOURCE_DIR/README.md"
for command in train evaluate generate recommend export; do
  for option in $("$SCENEALS" "$command" --help | grep -oE '^  (-h \[ )?--[a-z-]+' | grep -oE -- '--[a-z-]+'); do
    grep -qF -- "$option" "$readme" || fail "README.md does not mention $command $option"
  done
done
echo "README documents every option"
