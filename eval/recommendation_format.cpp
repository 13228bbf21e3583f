#include "eval/recommendation_format.h"

#include <cmath>
#include <cstdio>

#include "eval/metric_report.h"
#include "io/split_writer.h"

namespace sceneals::eval {

namespace {

/// 9 significant digits; `missing` for NaN and infinities.
void append_number(std::string& out, double value, const char* missing) {
  if (!std::isfinite(value)) {
    out += missing;
    return;
  }
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  out += text;
}

/// The named parts besides the past items, in output order.
std::vector<std::pair<const char*, double>> named_parts(const ExplanationParts& parts) {
  return {{"other_items", parts.other_items},           {"item_bias", parts.item_bias},
          {"unobserved_items", parts.unobserved_items}, {"prior", parts.prior},
          {"transferred", parts.transferred},           {"refit", parts.refit}};
}

void append_csv(std::string& out, const std::string& user, int rank, const std::string& item,
                float score, ScoreSource source, const ExplanationParts* parts) {
  io::append_csv_field(out, user);
  out += ',' + std::to_string(rank) + ',';
  io::append_csv_field(out, item);
  out += ',';
  append_number(out, score, "");
  out += ',';
  out += source_name(source);
  if (parts != nullptr) {
    std::string because;
    for (const auto& [id, share] : parts->top_items) {
      if (!because.empty()) because += ';';
      because += id + '=';
      append_number(because, share, "");
    }
    out += ',';
    io::append_csv_field(out, because);
    for (const auto& [name, value] : named_parts(*parts)) {
      out += ',';
      append_number(out, value, "");
    }
  }
  out += '\n';
}

void append_json(std::string& out, const std::string& user, int rank, const std::string& item,
                 float score, ScoreSource source, const ExplanationParts* parts) {
  out += "{\"user\": ";
  append_json_string(out, user);
  out += ", \"rank\": " + std::to_string(rank) + ", \"item\": ";
  append_json_string(out, item);
  out += ", \"score\": ";
  append_number(out, score, "null");
  out += ", \"source\": \"";
  out += source_name(source);
  out += '"';
  if (parts != nullptr) {
    out += ", \"explanation\": {\"items\": [";
    for (std::size_t i = 0; i < parts->top_items.size(); ++i) {
      out += i == 0 ? "{\"item\": " : ", {\"item\": ";
      append_json_string(out, parts->top_items[i].first);
      out += ", \"contribution\": ";
      append_number(out, parts->top_items[i].second, "null");
      out += '}';
    }
    out += ']';
    for (const auto& [name, value] : named_parts(*parts)) {
      out += ", \"" + std::string(name) + "\": ";
      append_number(out, value, "null");
    }
    out += '}';
  }
  out += "}\n";
}

}  // namespace

const char* source_name(ScoreSource source) {
  switch (source) {
    case ScoreSource::kTrained:
      return "trained";
    case ScoreSource::kBridged:
      return "bridged";
    case ScoreSource::kShared:
      return "shared";
    case ScoreSource::kPopularity:
      return "popularity";
    case ScoreSource::kFoldedIn:
      return "folded-in";
    case ScoreSource::kFeatures:
      return "features";
  }
  return "unknown";
}

std::string recommendation_header(RecommendationFormat format, bool explain) {
  if (format == RecommendationFormat::kJsonLines) return {};
  std::string header = "user,rank,item,score,source";
  if (explain) {
    header += ",because";
    for (const auto& [name, value] : named_parts(ExplanationParts()))
      header += ',' + std::string(name);
  }
  return header + '\n';
}

void append_recommendation(std::string& out, RecommendationFormat format, const std::string& user,
                           int rank, const std::string& item, float score, ScoreSource source,
                           const ExplanationParts* parts) {
  if (format == RecommendationFormat::kCsv)
    append_csv(out, user, rank, item, score, source, parts);
  else
    append_json(out, user, rank, item, score, source, parts);
}

}  // namespace sceneals::eval
