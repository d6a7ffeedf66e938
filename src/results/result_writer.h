#pragma once
// Where an analysis writes its results: <out>/<id>/ holds tidy CSV files
// (header row, '.' decimal point, no index column) and finding.txt.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace borgscope {

class CsvTable {
 public:
  explicit CsvTable(std::vector<std::string> header) : header_(std::move(header)) {}
  // Throws InternalError when the row's width differs from the header's.
  void AddRow(std::vector<std::string> row);
  std::string ToString() const;
  const std::vector<std::string>& header() const { return header_; }
  const std::vector<std::vector<std::string>>& rows() const { return rows_; }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

class ResultWriter {
 public:
  // Creates <out_dir>/<analysis_id>/.
  ResultWriter(const std::filesystem::path& out_dir, std::string_view analysis_id);

  void WriteCsv(std::string_view file_name, const CsvTable& table);
  void WriteFinding(std::string_view text);  // finding.txt, newline-terminated
  void WriteText(std::string_view file_name, std::string_view text);

  const std::filesystem::path& directory() const { return directory_; }
  const std::vector<std::string>& files_written() const { return files_written_; }

 private:
  std::filesystem::path directory_;
  std::vector<std::string> files_written_;
};

}  // namespace borgscope
