#include "io/fetch_http.h"

#include <curl/curl.h>
#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include "errors.h"

namespace borgscope {

namespace {

constexpr long kConnectTimeoutSeconds = 30;
// Slower than 1 kB/s for a minute is a stalled connection: give up on this
// attempt and let the retry resume where it stopped.
constexpr long kLowSpeedBytesPerSecond = 1024;
constexpr long kLowSpeedSeconds = 60;
constexpr long kMaxRedirects = 5;
constexpr char kUserAgent[] = "borgscope/0.1 (fetch)";
// Set by hand rather than through CURLOPT_ACCEPT_ENCODING, so that libcurl
// passes the bytes through undecoded (see RunTransfer).
constexpr char kAcceptStoredBytes[] = "Accept-Encoding: gzip";

CURL* Handle(void* handle) { return static_cast<CURL*>(handle); }

void InitCurlOnce() {
  // curl_global_init is not thread-safe; sessions are created by many threads.
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw InternalError("libcurl: global initialization failed");
    }
  });
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

// "Content-Range: bytes 100-999/1000" -> 100.
std::optional<uint64_t> ContentRangeStart(std::string_view value) {
  size_t digits = value.find_first_of("0123456789");
  if (digits == std::string_view::npos) return std::nullopt;
  uint64_t start = 0;
  auto [end, ec] = std::from_chars(value.data() + digits, value.data() + value.size(), start);
  if (ec != std::errc() || end == value.data() + value.size() || *end != '-') return std::nullopt;
  return start;
}

// State of one transfer, shared with libcurl's callbacks.
struct TransferState {
  CURL* handle = nullptr;
  BodySink* sink = nullptr;
  bool begun = false;
  bool accepted = false;
  bool stopped = false;
  std::optional<uint64_t> range_start;
  std::exception_ptr error;  // thrown by the sink; must not cross libcurl's C frames
};

// Decides once what happens to the body: a 200 or 206 goes to the sink (if it
// agrees), anything else is an error page and is dropped.
bool BeginBody(TransferState& transfer) {
  transfer.begun = true;
  long status = 0;
  curl_easy_getinfo(transfer.handle, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200 && status != 206) return true;
  transfer.accepted = transfer.sink->Begin(status, transfer.range_start);
  transfer.stopped = !transfer.accepted;
  return transfer.accepted;
}

size_t OnHeader(char* buffer, size_t size, size_t count, void* user) {
  auto& transfer = *static_cast<TransferState*>(user);
  std::string_view line(buffer, size * count);
  constexpr std::string_view kContentRange = "content-range:";
  if (line.starts_with("HTTP/")) {
    transfer.range_start.reset();  // a new response: after a redirect or a 100 Continue
  } else if (StartsWithNoCase(line, kContentRange)) {
    transfer.range_start = ContentRangeStart(line.substr(kContentRange.size()));
  }
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto& transfer = *static_cast<TransferState*>(user);
  size_t bytes = size * count;
  try {
    if (!transfer.begun && !BeginBody(transfer)) return 0;  // 0 of `bytes` stops libcurl
    if (transfer.accepted) transfer.sink->Write(std::string_view(data, bytes));
    return bytes;
  } catch (...) {
    transfer.error = std::current_exception();
    return 0;
  }
}

class StringSink : public BodySink {
 public:
  StringSink(std::string& text, size_t max_bytes) : text_(text), max_bytes_(max_bytes) {}
  bool Begin(long, std::optional<uint64_t>) override {
    text_.clear();
    return true;
  }
  void Write(std::string_view bytes) override {
    if (text_.size() + bytes.size() > max_bytes_) {
      throw DataError(fmt::format("response larger than {} bytes", max_bytes_));
    }
    text_.append(bytes);
  }

 private:
  std::string& text_;
  size_t max_bytes_;
};

}  // namespace

bool HttpResult::Transient() const {
  if (stopped_by_body) return false;
  switch (curl_code) {
    case CURLE_OK:
      return status >= 500 || status == 408 || status == 429;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

std::string HttpResult::Describe() const {
  if (curl_code == CURLE_OK) return fmt::format("HTTP {}", status);
  const char* kind = "transfer failed";
  switch (curl_code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      kind = "cannot resolve host";
      break;
    case CURLE_COULDNT_CONNECT:
      kind = "cannot connect";
      break;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      kind = "connection dropped";
      break;
    case CURLE_OPERATION_TIMEDOUT:
      kind = "timed out";
      break;
    default:
      break;
  }
  std::string detail =
      curl_error.empty() ? curl_easy_strerror(static_cast<CURLcode>(curl_code)) : curl_error;
  return fmt::format("{} ({})", kind, detail);
}

HttpSession::HttpSession() {
  InitCurlOnce();
  handle_ = curl_easy_init();
  if (handle_ == nullptr) throw InternalError("libcurl: cannot create a handle");
}

HttpSession::~HttpSession() { curl_easy_cleanup(Handle(handle_)); }

void HttpSession::Prepare(const std::string& url) {
  CURL* handle = Handle(handle_);
  curl_easy_reset(handle);  // keeps the connection cache: the next file reuses the connection
  error_.assign(CURL_ERROR_SIZE, '\0');
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_.data());
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(handle, CURLOPT_MAXREDIRS, kMaxRedirects);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, kLowSpeedBytesPerSecond);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, kLowSpeedSeconds);
  curl_easy_setopt(handle, CURLOPT_USERAGENT, kUserAgent);
}

HttpResult HttpSession::Finish(int code) {
  CURL* handle = Handle(handle_);
  HttpResult result;
  result.curl_code = code;
  if (code != CURLE_OK) result.curl_error = error_.c_str();
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &result.status);
  curl_off_t length = -1;
  if (curl_easy_getinfo(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK) {
    result.content_length = length;
  }
  return result;
}

HttpResult HttpSession::Get(const std::string& url, uint64_t offset, BodySink& body) {
  return RunTransfer(url, offset, body, /*decode=*/false);
}

HttpResult HttpSession::GetText(const std::string& url, size_t max_bytes, std::string& text) {
  StringSink sink(text, max_bytes);
  return RunTransfer(url, 0, sink, /*decode=*/true);
}

HttpResult HttpSession::RunTransfer(const std::string& url, uint64_t offset, BodySink& body,
                                    bool decode) {
  Prepare(url);
  CURL* handle = Handle(handle_);
  TransferState transfer;
  transfer.handle = handle;
  transfer.sink = &body;
  std::string range = fmt::format("{}-", offset);
  if (offset > 0) curl_easy_setopt(handle, CURLOPT_RANGE, range.c_str());
  curl_slist* headers = nullptr;
  if (decode) {
    curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");  // text: whatever the server sends
  } else {
    // Shards must arrive as stored, since SHA256SUM describes the stored
    // bytes: GCS decompresses objects stored with Content-Encoding: gzip for
    // clients that do not accept gzip (and then ignores Range). Set by hand,
    // the header makes libcurl pass the bytes through undecoded.
    headers = curl_slist_append(headers, kAcceptStoredBytes);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
  }
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  CURLcode code = curl_easy_perform(handle);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  if (transfer.error) std::rethrow_exception(transfer.error);
  HttpResult result = Finish(code);
  // An empty body never reaches OnBody, but the sink still has to see it
  // (an empty shard is created empty).
  if (code == CURLE_OK && !transfer.begun) BeginBody(transfer);
  result.stopped_by_body = transfer.stopped;
  return result;
}

HttpResult HttpSession::Head(const std::string& url) {
  Prepare(url);
  CURL* handle = Handle(handle_);
  curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  // As for Get: the size of the stored bytes, not of a decompressed rendition.
  curl_slist* headers = curl_slist_append(nullptr, kAcceptStoredBytes);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
  HttpResult result = Finish(curl_easy_perform(handle));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  return result;
}

void RetryPolicy::SleepBefore(int attempt) const {
  double delay = first_delay_seconds * std::pow(2.0, std::max(0, attempt - 1));
  delay = std::min(delay, max_delay_seconds);
  if (delay > 0) std::this_thread::sleep_for(std::chrono::duration<double>(delay));
}

}  // namespace borgscope
