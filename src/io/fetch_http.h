#pragma once
// HTTP for `borgscope fetch`, through libcurl: one HttpSession (one easy
// handle, so its connection is reused) per thread, and the retry policy for
// transient failures.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace borgscope {

// How one exchange ended.
struct HttpResult {
  int curl_code = 0;             // CURLcode: 0 when the exchange completed
  long status = 0;               // HTTP status of the final response; 0 when none arrived
  std::string curl_error;        // libcurl's message when curl_code != 0
  int64_t content_length = -1;   // of the final response, -1 when not given
  bool stopped_by_body = false;  // the BodySink refused the body (see Begin)

  bool Succeeded() const { return curl_code == 0 && (status == 200 || status == 206); }
  // Worth another try: no connection, a dropped or stalled transfer, or the
  // server saying so (5xx, 408, 429).
  bool Transient() const;
  // "HTTP 503", "connection dropped (transfer closed with 10 bytes remaining)"
  std::string Describe() const;
};

// Receives the body of a successful (200 or 206) response. Error pages are
// read and dropped without reaching the sink.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // Called once before the first byte (also for an empty body), with the
  // status and, for a 206, the first byte offset its Content-Range names.
  // Returning false stops the transfer (HttpResult::stopped_by_body).
  virtual bool Begin(long status, std::optional<uint64_t> range_start) = 0;
  virtual void Write(std::string_view bytes) = 0;
};

class HttpSession {
 public:
  HttpSession();
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // GET `url`; from byte `offset` on (a Range request) when offset > 0. The
  // body's bytes are passed on as they arrive, undecoded. Exceptions thrown
  // by `body` stop the transfer and are rethrown here.
  HttpResult Get(const std::string& url, uint64_t offset, BodySink& body);
  // GET into memory, at most `max_bytes` (more is an error).
  HttpResult GetText(const std::string& url, size_t max_bytes, std::string& text);
  // HEAD: the status and, when the server gives it, the Content-Length.
  HttpResult Head(const std::string& url);

 private:
  void Prepare(const std::string& url);
  HttpResult RunTransfer(const std::string& url, uint64_t offset, BodySink& body, bool decode);
  HttpResult Finish(int curl_code);

  void* handle_;       // CURL*
  std::string error_;  // libcurl's error buffer (CURLOPT_ERRORBUFFER)
};

// Bounded retries with exponential backoff: attempt k (k >= 1) waits
// first_delay_seconds * 2^(k-1), at most max_delay_seconds.
struct RetryPolicy {
  int retries = 5;  // tries after the first one
  double first_delay_seconds = 1.0;
  double max_delay_seconds = 60.0;

  void SleepBefore(int attempt) const;
};

// Runs `attempt` until it does not fail transiently or the retries are spent.
template <typename Attempt>
HttpResult WithRetries(const RetryPolicy& policy, Attempt attempt) {
  for (int tries = 0;; ++tries) {
    if (tries > 0) policy.SleepBefore(tries);
    HttpResult result = attempt();
    if (!result.Transient() || tries >= policy.retries) return result;
  }
}

}  // namespace borgscope
