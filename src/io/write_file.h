#pragma once
// A whole file written with every step checked: results, metrics and the
// report go through it, so that a full disk is an error naming the file.

#include <filesystem>
#include <string_view>

namespace borgscope {

// Writes `bytes` to `path` (created or truncated). Throws IoError naming the
// path and the system's reason when any step fails, including the close.
void WriteFileOrThrow(const std::filesystem::path& path, std::string_view bytes);

}  // namespace borgscope
