# The MovieLens u.data layout with the shipped genre-to-scene map, end to end on ml-100k (when
# the shared data is present): the four scenes of data/movielens_scenes.txt come out with the
# rating counts the data README measured, and the model file is complete.
source "$(dirname "$0")/common.sh"
ml="${SCENEALS_SHARED_DATA_DIR:-}/ml-100k"
if [ ! -f "$ml/u.data" ]; then
  echo "SKIP: shared data not found at $ml (only on the project's CI and dev machines)"
  exit 77
fi
run_ranks 2 train --input "$ml/u.data" --format movielens --movielens-items "$ml/u.item" \
  --scene-map "$SCENEALS_SOURCE_DIR/data/movielens_scenes.txt" --output "$WORK/ml.h5" \
  --factors 8 --iterations 3 --explicit-feedback-check 2>/dev/null && fail "an unknown option was accepted"
run_ranks 2 train --input "$ml/u.data" --format movielens --movielens-items "$ml/u.item" \
  --scene-map "$SCENEALS_SOURCE_DIR/data/movielens_scenes.txt" --output "$WORK/ml.h5" \
  --factors 8 --iterations 3 --feedback explicit --lambda 0.05 | tee "$WORK/log.txt"
for expected in "action_thriller 52740" "drama_other 18991" "comedy 17952" "family 10317"; do
  set -- $expected
  grep -qE "scene $1 +$2 interactions" "$WORK/log.txt" || fail "scene $1 should have $2 interactions"
done
grep -q "latest-by-timestamp holdout" "$WORK/log.txt" || fail "u.data has timestamps: the holdout should use them"
"$PYTHON" "$E2E_DIR/check_embedding_file.py" --expect-run-attributes "$WORK/ml.h5"
echo "MovieLens OK"
