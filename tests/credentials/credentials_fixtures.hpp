#pragma once

// Loopback stand-ins for what the credentials layer talks to: an STS that
// checks SigV4 signatures against the identities it knows and issues
// short-lived credentials, an EC2 instance metadata service that insists on
// the IMDSv2 token, and a container credentials endpoint. Plus a test clock
// they share with the providers, and the client-side wiring.

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "aws/aws_client.hpp"
#include "aws/http_client.hpp"
#include "aws/uri.hpp"
#include "credentials/providers.hpp"
#include "support/test_http_server.hpp"

namespace mw::test {

using Env = std::map<std::string, std::string, std::less<>>;

// The real time plus an offset the test moves forward.
class FakeClock {
 public:
  std::chrono::system_clock::time_point now() const {
    return std::chrono::system_clock::now() + std::chrono::seconds(offset_seconds_.load());
  }
  void advance(std::chrono::seconds by) { offset_seconds_ += by.count(); }
  credentials::Clock clock() {
    return [this] { return now(); };
  }

 private:
  std::atomic<long long> offset_seconds_{0};
};

struct StsCall {
  std::string action;
  aws::uri::Params params;
  std::string signer;  // access key id of the Authorization header, "" when unsigned
  std::string param(std::string_view name) const;
};

class TestSts {
 public:
  explicit TestSts(FakeClock& clock);
  std::string url() const { return server_->url(); }

  void add_identity(const std::string& access_key_id, const std::string& secret, const std::string& account,
                    const std::string& session_token = "");
  void add_web_identity_token(const std::string& token);
  void set_lifetime(std::chrono::seconds lifetime);
  void set_delay(std::chrono::milliseconds delay);
  // The next `times` calls of `action` get this error (STS's XML ErrorResponse).
  void fail(const std::string& action, unsigned status, const std::string& code, const std::string& message,
            int times = 1);

  int count(std::string_view action) const;
  std::vector<StsCall> calls(std::string_view action = "") const;
  std::vector<std::string> issued_secrets() const;  // secret keys and session tokens handed out
  std::string last_issued_key() const;

 private:
  struct Identity {
    std::string secret;
    std::string account;
    std::string token;
  };
  struct Failure {
    unsigned status;
    std::string code;
    std::string message;
    int times;
  };
  ScriptedReply handle(const ReceivedRequest& request);
  ScriptedReply issue(const std::string& account, const std::string& role_arn,
                      const std::string& result_name);
  std::optional<std::string> check_signature(const ReceivedRequest& request, std::string& signer);

  FakeClock& clock_;
  mutable std::mutex mutex_;
  std::map<std::string, Identity> identities_;
  std::set<std::string> web_tokens_;
  std::map<std::string, Failure, std::less<>> failures_;
  std::vector<StsCall> calls_;
  std::vector<std::string> issued_;
  std::string last_key_;
  std::chrono::seconds lifetime_{3600};
  std::chrono::milliseconds delay_{0};
  int serial_ = 0;
  std::unique_ptr<TestHttpServer> server_;
};

// IMDSv2: PUT /latest/api/token, then GETs with the token; 401 without it.
class TestImds {
 public:
  explicit TestImds(FakeClock& clock);
  std::string url() const { return server_->url(); }
  void set_role(const std::string& role);  // "" = no role attached (404)
  void set_lifetime(std::chrono::seconds lifetime);
  void set_token_status(unsigned status);  // answer of the token PUT (200 by default)

  int token_requests() const;
  int credential_requests() const;  // GETs of the role's credentials
  int rejected() const;             // requests answered 401 for a missing or wrong token
  std::vector<std::string> issued_secrets() const;

 private:
  ScriptedReply handle(const ReceivedRequest& request);

  FakeClock& clock_;
  mutable std::mutex mutex_;
  std::string role_ = "memberwatch-instance";
  std::chrono::seconds lifetime_{6 * 3600};
  unsigned token_status_ = 200;
  std::set<std::string> tokens_;
  std::vector<std::string> issued_;
  int token_requests_ = 0;
  int credential_requests_ = 0;
  int rejected_ = 0;
  int serial_ = 0;
  std::unique_ptr<TestHttpServer> server_;
};

// The ECS/EKS container credentials endpoint at `path`, requiring
// `authorization` (when not empty) as the Authorization header.
class TestContainerEndpoint {
 public:
  TestContainerEndpoint(FakeClock& clock, std::string path, std::string authorization);
  std::string url() const { return server_->url() + path_; }
  int count() const;
  std::vector<std::string> authorizations() const;  // Authorization header of each request
  std::vector<std::string> issued_secrets() const;

 private:
  ScriptedReply handle(const ReceivedRequest& request);

  FakeClock& clock_;
  std::string path_;
  std::string authorization_;
  mutable std::mutex mutex_;
  std::vector<std::string> authorizations_;
  std::vector<std::string> issued_;
  int serial_ = 0;
  std::unique_ptr<TestHttpServer> server_;
};

// The client side: an io_context, HTTP and AWS clients, a ProviderContext
// pointed at the test STS through AWS_ENDPOINT_URL_STS.
class ClientSide {
 public:
  ClientSide(FakeClock& clock, Env env);
  credentials::ProviderContext& context() { return context_; }

  template <class T>
  T run(boost::asio::awaitable<T> work) {
    auto future = boost::asio::co_spawn(io_, std::move(work), boost::asio::use_future);
    io_.restart();
    io_.run();
    return future.get();
  }
  // Runs `work`, expecting it to throw an aws::AwsError (or a subclass): its what().
  template <class T>
  std::string failure(boost::asio::awaitable<T> work, aws::AwsErrorInfo* info = nullptr) {
    try {
      run(std::move(work));
    } catch (const aws::AwsError& error) {
      if (info != nullptr) *info = error.info();
      return error.what();
    }
    return "<no failure>";
  }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_;
  aws::HttpClient http_;
  aws::AwsClient client_;
  credentials::ProviderContext context_;
};

aws::AwsClientOptions fast_client_options();

}  // namespace mw::test
