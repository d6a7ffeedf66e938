#include "stream/event_message.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>

namespace borgscope {
namespace {

// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
// Trace numbers almost always fit it; anything else is written as a string
// rather than as broken JSON.
bool IsJsonNumber(std::string_view text) {
  size_t i = 0, n = text.size();
  auto digits = [&] {
    size_t start = i;
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
    return i > start;
  };
  if (i < n && text[i] == '-') ++i;
  if (i < n && text[i] == '0') {
    ++i;
  } else if (i >= n || text[i] < '1' || text[i] > '9' || !digits()) {
    return false;
  }
  if (i < n && text[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}

void AppendJsonString(std::string_view text, std::string& out) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  out += '"';
}

bool ParseInteger(std::string_view text, int64_t& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

struct EventColumns {
  int time, event_type, scheduling_class, count;
};
EventColumns ColumnsOf(Table table) {
  if (table == Table::kJobEvents) {
    return {job_events::kTime, job_events::kEventType, job_events::kSchedulingClass,
            static_cast<int>(Spec(table).columns.size())};
  }
  return {task_events::kTime, task_events::kEventType, task_events::kSchedulingClass,
          static_cast<int>(Spec(table).columns.size())};
}

// Sets `fields` from the three texts; an empty or "null" class is kNull.
bool FillFields(std::string_view time, std::string_view event_type,
                std::string_view scheduling_class, EventFields& fields) {
  if (!ParseInteger(time, fields.time) || fields.time < 0) return false;
  if (!ParseInteger(event_type, fields.event_type) || fields.event_type < 0 ||
      fields.event_type >= kEventTypeCount) {
    return false;
  }
  if (scheduling_class.empty() || scheduling_class == "null") {
    fields.scheduling_class = kNull;
    return true;
  }
  return ParseInteger(scheduling_class, fields.scheduling_class);
}

std::optional<EventFields> DecodeCsv(Table table, std::string_view value) {
  if (!value.empty() && value.back() == '\r') value.remove_suffix(1);
  const EventColumns columns = ColumnsOf(table);
  std::string_view time, event_type, scheduling_class;
  int column = 0;
  for (size_t start = 0;; ++column) {
    size_t comma = value.find(',', start);
    std::string_view field = value.substr(start, comma == value.npos ? value.npos : comma - start);
    if (column == columns.time) time = field;
    if (column == columns.event_type) event_type = field;
    if (column == columns.scheduling_class) scheduling_class = field;
    if (comma == value.npos) break;
    start = comma + 1;
  }
  EventFields fields;
  if (column + 1 != columns.count || !FillFields(time, event_type, scheduling_class, fields)) {
    return std::nullopt;
  }
  return fields;
}

// A flat JSON object as AppendEventJson writes it (any key order, any white
// space); nested values are not events and fail.
std::optional<EventFields> DecodeJson(std::string_view value) {
  size_t i = 0;
  const size_t n = value.size();
  auto skip_space = [&] {
    while (i < n && (value[i] == ' ' || value[i] == '\t' || value[i] == '\n' || value[i] == '\r'))
      ++i;
  };
  // Returns the string's contents (escapes left as they are) and moves past it.
  auto scan_string = [&](std::string_view& text) {
    size_t start = ++i;
    while (i < n && value[i] != '"') i += value[i] == '\\' ? 2 : 1;
    if (i >= n) return false;
    text = value.substr(start, i - start);
    ++i;
    return true;
  };
  std::string_view time, event_type, scheduling_class;
  bool have_time = false, have_type = false;
  skip_space();
  if (i >= n || value[i] != '{') return std::nullopt;
  ++i;
  for (;;) {
    skip_space();
    if (i < n && value[i] == '}') break;
    std::string_view key, token;
    if (i >= n || value[i] != '"' || !scan_string(key)) return std::nullopt;
    skip_space();
    if (i >= n || value[i] != ':') return std::nullopt;
    ++i;
    skip_space();
    if (i < n && value[i] == '"') {
      if (!scan_string(token)) return std::nullopt;
    } else {
      size_t start = i;
      while (i < n && value[i] != ',' && value[i] != '}' && value[i] != ' ' && value[i] != '\n' &&
             value[i] != '{' && value[i] != '[') {
        ++i;
      }
      token = value.substr(start, i - start);
      if (token.empty()) return std::nullopt;
    }
    if (key == "time") {
      time = token;
      have_time = true;
    } else if (key == "event_type") {
      event_type = token;
      have_type = true;
    } else if (key == "scheduling_class") {
      scheduling_class = token;
    }
    skip_space();
    if (i < n && value[i] == ',') {
      ++i;
      continue;
    }
    if (i < n && value[i] == '}') break;
    return std::nullopt;
  }
  EventFields fields;
  if (!have_time || !have_type || !FillFields(time, event_type, scheduling_class, fields)) {
    return std::nullopt;
  }
  return fields;
}

}  // namespace

std::string_view TopicOf(Table table) {
  return table == Table::kJobEvents ? kJobEventsTopic : kTaskEventsTopic;
}

std::optional<Table> TableOfTopic(std::string_view topic) {
  if (topic == kTaskEventsTopic) return Table::kTaskEvents;
  if (topic == kJobEventsTopic) return Table::kJobEvents;
  return std::nullopt;
}

void AppendEventJson(Table table, std::span<const std::string_view> fields, std::string& out) {
  const TableSpec& spec = Spec(table);
  out += '{';
  for (size_t c = 0; c < spec.columns.size() && c < fields.size(); ++c) {
    if (c > 0) out += ',';
    out += '"';
    out += spec.columns[c].name;
    out += "\":";
    const std::string_view text = fields[c];
    const ColumnType type = spec.columns[c].type;
    if (text.empty()) {
      out += "null";
    } else if (type != ColumnType::kStringHash && IsJsonNumber(text)) {
      out += text;
    } else {
      AppendJsonString(text, out);
    }
  }
  out += '}';
}

std::string FormatSource(const SourcePosition& source) {
  return fmt::format("{}:{}:{}", TableName(source.table), source.shard, source.line);
}

std::optional<SourcePosition> ParseSource(std::string_view text) {
  size_t first = text.find(':');
  size_t second = first == text.npos ? text.npos : text.find(':', first + 1);
  if (second == text.npos) return std::nullopt;
  std::optional<Table> table = TableFromName(text.substr(0, first));
  if (!table || (*table != Table::kTaskEvents && *table != Table::kJobEvents)) return std::nullopt;
  SourcePosition source;
  source.table = *table;
  std::string_view shard = text.substr(first + 1, second - first - 1);
  std::string_view line = text.substr(second + 1);
  auto [shard_end, shard_error] =
      std::from_chars(shard.data(), shard.data() + shard.size(), source.shard);
  auto [line_end, line_error] =
      std::from_chars(line.data(), line.data() + line.size(), source.line);
  if (shard_error != std::errc() || shard_end != shard.data() + shard.size() ||
      line_error != std::errc() || line_end != line.data() + line.size()) {
    return std::nullopt;
  }
  return source;
}

std::optional<EventFields> DecodeEvent(Table table, std::string_view value) {
  size_t first = value.find_first_not_of(" \t\r\n");
  if (first != value.npos && value[first] == '{') return DecodeJson(value);
  return DecodeCsv(table, value);
}

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace borgscope
