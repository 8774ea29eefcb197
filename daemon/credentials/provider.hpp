#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "aws/aws_credentials.hpp"

namespace mw::credentials {

using Clock = std::function<std::chrono::system_clock::time_point()>;

// Something that gives AWS credentials. get() throws CredentialsError or
// aws::AwsError (an STS call failed) when it cannot. Providers, like the
// AWS client they use, run on one io_context thread.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual boost::asio::awaitable<aws::Credentials> get() = 0;
  virtual std::string name() const = 0;  // for messages: "environment", "assume-role arn:...", ...
};

}  // namespace mw::credentials
