#include "aws/aws_error.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <sstream>

#include "common/strings.hpp"

namespace mw::aws {
namespace {

constexpr std::size_t kSnippetLength = 120;

std::string_view protocol_label(Protocol protocol) {
  switch (protocol) {
    case Protocol::rest_json:
      return "rest-json";
    case Protocol::json:
      return "json 1.1";
    case Protocol::query:
      return "query (XML)";
  }
  return "unknown";
}

// "aws.protocoltests#ValidationException:http://..." -> "ValidationException".
std::string clean_code(std::string_view code) {
  code = code.substr(0, code.find(':'));
  if (const auto hash = code.rfind('#'); hash != std::string_view::npos) code = code.substr(hash + 1);
  return std::string(trim(code));
}

// Printable, single-line start of a body, for a message about an undecodable one.
std::string snippet(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, kSnippetLength)) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte == 0x7f ? ' ' : c);
  }
  if (body.size() > kSnippetLength) out += "...";
  return out;
}

const boost::json::string* string_member(const boost::json::object& object,
                                         std::initializer_list<std::string_view> keys) {
  for (auto key : keys) {
    if (const auto* value = object.if_contains(key); value && value->is_string()) return &value->get_string();
  }
  return nullptr;
}

struct BodyFields {
  std::string code;
  std::string message;
  std::string request_id;
};

std::optional<BodyFields> decode_json_body(std::string_view body) {
  boost::system::error_code error;
  const boost::json::value value = boost::json::parse(body, error);
  if (error || !value.is_object()) return std::nullopt;
  const auto& object = value.get_object();
  BodyFields fields;
  if (const auto* code = string_member(object, {"__type", "code", "Code"})) fields.code = clean_code(*code);
  if (const auto* message = string_member(object, {"message", "Message", "errorMessage"})) {
    fields.message = std::string(*message);
  }
  if (const auto* id = string_member(object, {"RequestId", "requestId"}))
    fields.request_id = std::string(*id);
  return fields;
}

// STS: <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>.
std::optional<BodyFields> decode_xml_body(std::string_view body) {
  namespace pt = boost::property_tree;
  pt::ptree tree;
  try {
    std::istringstream in{std::string(body)};
    pt::read_xml(in, tree, pt::xml_parser::trim_whitespace);
  } catch (const pt::ptree_error&) {
    return std::nullopt;
  }
  const pt::ptree* error = nullptr;
  std::string request_id;
  if (const auto response = tree.get_child_optional("ErrorResponse")) {
    error = response->get_child_optional("Error").get_ptr();
    request_id = response->get("RequestId", "");
  } else if (const auto bare = tree.get_child_optional("Error")) {
    error = &*bare;
    request_id = bare->get("RequestId", "");
  } else if (const auto errors = tree.get_child_optional("Response.Errors.Error")) {
    error = &*errors;
    request_id = tree.get("Response.RequestID", tree.get("Response.RequestId", ""));
  }
  if (error == nullptr) return std::nullopt;
  BodyFields fields;
  fields.code = clean_code(error->get("Code", ""));
  fields.message = error->get("Message", "");
  fields.request_id = std::move(request_id);
  return fields;
}

std::string request_id_header(const HttpResponse& response) {
  for (auto name : {"x-amzn-RequestId", "x-amz-request-id", "x-amz-id-2"}) {
    if (auto value = response.header(name); value && !value->empty()) return std::string(*value);
  }
  return {};
}

}  // namespace

std::string AwsErrorInfo::to_string() const {
  std::string out = service.empty() ? "aws" : service;
  if (!operation.empty()) out += "." + operation;
  out += ": ";
  out += http_status == 0 ? "no HTTP response" : "HTTP " + std::to_string(http_status);
  if (!code.empty()) out += " " + code;
  if (!message.empty()) out += ": " + message;
  if (!request_id.empty()) out += " (request id " + request_id + ")";
  return out;
}

AwsErrorInfo decode_error(Protocol protocol, std::string_view service, std::string_view operation,
                          const HttpResponse& response) {
  AwsErrorInfo info;
  info.service = std::string(service);
  info.operation = std::string(operation);
  info.http_status = response.status;
  info.request_id = request_id_header(response);

  std::string header_code;
  if (auto type = response.header("x-amzn-ErrorType"); type && protocol != Protocol::query) {
    header_code = clean_code(*type);
  }

  const std::string_view body = trim(response.body);
  std::optional<BodyFields> fields;
  if (!body.empty()) fields = protocol == Protocol::query ? decode_xml_body(body) : decode_json_body(body);

  if (fields) {
    info.code = !header_code.empty() ? header_code : fields->code;
    info.message = fields->message;
    if (info.request_id.empty()) info.request_id = fields->request_id;
  } else {
    info.code = header_code;
    const std::string content_type(response.header("content-type").value_or("none"));
    info.message = body.empty()
                       ? "empty error body"
                       : "the " + std::string(protocol_label(protocol)) +
                             " error body could not be decoded (content-type " + content_type + ", " +
                             std::to_string(response.body.size()) + " bytes): " + snippet(body);
  }
  if (info.code.empty()) info.code = "HTTP" + std::to_string(response.status);
  return info;
}

}  // namespace mw::aws
