#pragma once
// Error kinds. User and data errors (bad input, missing files) are reported
// plainly with exit status 1; internal bugs (InternalError) exit with 70.

#include <stdexcept>
#include <string>

namespace borgscope {

// Bad input data: a malformed row, a corrupt or truncated gzip file.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The file system said no: a missing file, a read or write failure.
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The user asked for something that cannot be done (bad option, missing table).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A broken invariant inside borgscope.
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

constexpr int kExitDataError = 1;
constexpr int kExitUsageError = 2;
constexpr int kExitInternalError = 70;

}  // namespace borgscope
