#include "services/api_request.hpp"

#include "aws/uri.hpp"

namespace mw::services {

std::string ApiRequest::request_target() const {
  if (query.empty()) return path;
  return path + "?" + aws::uri::encode_params(query);
}

}  // namespace mw::services
