#include "results/result_writer.h"

#include <fmt/core.h>

#include "errors.h"
#include "io/write_file.h"

namespace borgscope {

void CsvTable::AddRow(std::vector<std::string> row) {
  if (row.size() != header_.size()) {
    throw InternalError(
        fmt::format("CSV row has {} fields, header has {}", row.size(), header_.size()));
  }
  rows_.push_back(std::move(row));
}

std::string CsvTable::ToString() const {
  std::string text;
  auto append_row = [&text](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) text += ',';
      text += row[i];
    }
    text += '\n';
  };
  append_row(header_);
  for (const auto& row : rows_) append_row(row);
  return text;
}

ResultWriter::ResultWriter(const std::filesystem::path& out_dir, std::string_view analysis_id)
    : directory_(out_dir / std::string(analysis_id)) {
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec) throw IoError(fmt::format("cannot create {}: {}", directory_.string(), ec.message()));
}

void ResultWriter::WriteText(std::string_view file_name, std::string_view text) {
  WriteFileOrThrow(directory_ / std::string(file_name), text);
  files_written_.emplace_back(file_name);
}

void ResultWriter::WriteCsv(std::string_view file_name, const CsvTable& table) {
  WriteText(file_name, table.ToString());
}

void ResultWriter::WriteFinding(std::string_view text) {
  std::string line(text);
  if (line.empty() || line.back() != '\n') line += '\n';
  WriteText("finding.txt", line);
}

}  // namespace borgscope
