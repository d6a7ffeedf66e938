#include "report/output_folder.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "errors.h"

namespace borgscope {
namespace fs = std::filesystem;

StagedOutput::StagedOutput(fs::path out_dir) : out_dir_(std::move(out_dir)) {
  std::error_code ec;
  const fs::file_status status = fs::status(out_dir_, ec);
  if (fs::exists(status) && !fs::is_directory(status)) {
    throw IoError(fmt::format("--out {} is not a folder", out_dir_.string()));
  }
  created_out_dir_ = fs::create_directories(out_dir_, ec);
  if (ec) {
    throw IoError(
        fmt::format("cannot create output folder {}: {}", out_dir_.string(), ec.message()));
  }
  staging_ = out_dir_ / fmt::format(".borgscope-staging-{}", ::getpid());
  fs::remove_all(staging_, ec);  // left by a killed run of a process with our pid
  if (!fs::create_directory(staging_, ec) || ec) {
    throw IoError(fmt::format("cannot write in output folder {}: {}", out_dir_.string(),
                              ec ? ec.message() : "the staging folder exists"));
  }
}

StagedOutput::~StagedOutput() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
  // A run that failed leaves no empty --out folder that it made.
  if (created_out_dir_) fs::remove(out_dir_, ignored);
}

void StagedOutput::Commit() {
  std::error_code ec;
  std::vector<fs::path> folders, files;
  for (fs::directory_iterator it(staging_, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    (it->is_directory() ? folders : files).push_back(it->path().filename());
  }
  if (ec) throw IoError(fmt::format("cannot list {}: {}", staging_.string(), ec.message()));
  std::sort(folders.begin(), folders.end());
  std::sort(files.begin(), files.end());
  folders.insert(folders.end(), files.begin(), files.end());
  for (const fs::path& name : folders) {
    const fs::path from = staging_ / name, to = out_dir_ / name;
    // An existing entry is swapped with the new one in one step (the old one
    // lands in the staging folder, removed below); a missing one is renamed.
    int result = ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE);
    if (result != 0 && (errno == EINVAL || errno == ENOSYS)) {  // no exchange on this FS
      const fs::path old = staging_ / (".replaced-" + name.string());
      result = ::rename(to.c_str(), old.c_str());
      if (result != 0 && errno == ENOENT) result = 0;
      if (result == 0) result = ::rename(from.c_str(), to.c_str());
    } else if (result != 0 && errno == ENOENT) {
      result = ::rename(from.c_str(), to.c_str());
    }
    if (result != 0) {
      throw IoError(fmt::format("cannot move {} to {}: {}", from.string(), to.string(),
                                std::strerror(errno)));
    }
  }
  committed_ = true;
  fs::remove_all(staging_, ec);
  if (ec) throw IoError(fmt::format("cannot remove {}: {}", staging_.string(), ec.message()));
}

}  // namespace borgscope
