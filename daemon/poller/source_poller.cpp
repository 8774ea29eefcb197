#include "poller/source_poller.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/system/system_error.hpp>
#include <map>
#include <set>
#include <unordered_set>

#include "core/json_text.hpp"
#include "services/parse_error.hpp"
#include "services/service_descriptor.hpp"

namespace mw::poller {
namespace asio = boost::asio;

namespace {

// A runaway pagination (a token that never ends) must not spin forever.
constexpr std::size_t kMaxPages = 100'000;

[[noreturn]] void fail(std::string_view service, std::string_view operation, std::string code,
                       std::string message) {
  throw aws::AwsError(
      {std::string(service), std::string(operation), 0, std::move(code), std::move(message), ""});
}

}  // namespace

void NextTokens::check(const std::optional<std::string>& token) {
  if (token && !seen_.insert(*token).second)
    fail(service_, operation_, "PaginationLoop", "the service returned the same NextToken twice");
}

namespace {

// A page's elements left out (the rest of the page is used).
void log_left_out_members(const std::vector<std::string>& problems, const core::SourceKey& key) {
  for (const auto& problem : problems) {
    spdlog::warn("member left out of a page administrator={} service={} region={} problem=\"{}\"",
                 key.administrator_id, core::to_string(key.service), key.region, problem);
  }
}

void log_left_out_graphs(const std::vector<std::string>& problems, const core::SourceKey& key) {
  for (const auto& problem : problems) {
    spdlog::warn("graph left out of a page administrator={} service={} region={} problem=\"{}\"",
                 key.administrator_id, core::to_string(key.service), key.region, problem);
  }
}

}  // namespace

core::SourceError to_source_error(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const aws::AwsError& e) {
    return {e.info().code, e.info().message.empty() ? e.what() : e.info().message, e.info().http_status};
  } catch (const services::ParseError& e) {
    return {std::string(services::kMalformedResponseCode), e.what(), 200};
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::operation_aborted) return {"CycleCancelled", "the cycle was cancelled", 0};
    return {"InternalError", e.what(), 0};
  } catch (const std::exception& e) {
    return {"InternalError", e.what(), 0};
  }
}

aws::AwsCall make_call(const services::ApiRequest& request, aws::Service service, const std::string& region,
                       const config::Config& config, const aws::EnvLookup& env,
                       aws::CredentialsGetter credentials, std::string rate_key) {
  aws::EndpointRequest endpoint_request;
  endpoint_request.service = service;
  endpoint_request.region = region;
  endpoint_request.fips = config.aws.fips;
  endpoint_request.configured.insert(config.aws.endpoints.begin(), config.aws.endpoints.end());
  const auto resolved = aws::resolve_endpoint(endpoint_request, env);
  if (!resolved.value) fail(request.service, request.operation, "InvalidEndpoint", resolved.error);

  aws::AwsCall call;
  call.service = resolved.value->signing_name;
  call.operation = request.operation;
  call.protocol = request.target.empty() ? aws::Protocol::rest_json : aws::Protocol::json;
  call.region = resolved.value->signing_region;
  call.endpoint = resolved.value->endpoint;
  call.request.method = request.method;
  call.request.target = request.request_target();
  call.request.body = request.body;
  if (!request.content_type.empty()) call.request.set_header("Content-Type", request.content_type);
  if (!request.target.empty()) call.request.set_header("X-Amz-Target", request.target);
  call.credentials = std::move(credentials);
  call.rate_key = std::move(rate_key);
  return call;
}

SourcePoller::SourcePoller(CallContext& context, const config::Administrator& admin, core::Service service,
                           std::string region, aws::CredentialsGetter credentials)
    : context_(context),
      admin_(admin),
      service_(service),
      region_(std::move(region)),
      credentials_(std::move(credentials)),
      rate_key_(admin_.account_id + "/" + std::string(core::to_string(service_)) + "/" + region_) {}

core::SourceKey SourcePoller::key() const {
  return {admin_.account_id, service_, region_};
}

asio::awaitable<std::string> SourcePoller::send(const services::ApiRequest& request) {
  auto call = make_call(request, services::descriptor(service_).endpoint, region_, context_.config,
                        context_.env, credentials_, rate_key_);
  auto response = co_await context_.client.call(std::move(call));
  co_return std::move(response.body);
}

asio::awaitable<std::optional<std::string>> SourcePoller::discover_resource(
    const services::Discovery& discovery) {
  const auto& configured =
      service_ == core::Service::guardduty ? admin_.guardduty_detector_ids : admin_.detective_graph_arns;
  if (const auto it = configured.find(region_); it != configured.end()) co_return it->second;

  std::optional<std::string> next_token;
  for (std::size_t page = 0; page < kMaxPages; ++page) {
    const auto found = discovery.parse(co_await send(discovery.request(next_token)));
    log_left_out_graphs(found.problems, key());
    if (!found.resources.empty()) co_return found.resources.front();
    if (!found.next_token) co_return std::nullopt;
    next_token = found.next_token;
  }
  fail(core::to_string(service_), discovery.operation, "PaginationLimit", "more than 100000 pages");
}

asio::awaitable<void> SourcePoller::find_resource() {
  const auto& discovery = services::descriptor(service_).discovery;
  if (!discovery) co_return;
  resource_ = co_await discover_resource(*discovery);
  if (resource_) co_return;
  fail(core::to_string(service_), discovery->operation, std::string(discovery->missing_code),
       "no " + std::string(discovery->missing_what) + " in " + region_ + " for account " + admin_.account_id +
           " (the service is not enabled there)");
}

asio::awaitable<void> SourcePoller::list_members(const PageSink& on_page) {
  const auto& service = services::descriptor(service_);
  const auto service_name = core::to_string(service_);
  std::optional<std::string> next_token;
  NextTokens tokens(service_name, "ListMembers");
  for (std::size_t page = 0; page < kMaxPages; ++page) {
    auto listed =
        service.parse_list_members(co_await send(service.list_members_request(resource_, next_token)));
    log_left_out_members(listed.problems, key());
    // Without GetMembers the listing is the answer: its records are kept.
    listed_records_.insert(listed_records_.end(), std::make_move_iterator(listed.members.begin()),
                           std::make_move_iterator(listed.members.end()));
    if (!listed.problems.empty() && !service.get_members_request) listing_left_out_accounts_ = true;
    on_page(std::move(listed.account_ids));
    if (!listed.next_token) co_return;
    tokens.check(listed.next_token);
    next_token = std::move(listed.next_token);
  }
  fail(service_name, "ListMembers", "PaginationLimit", "more than 100000 pages");
}

asio::awaitable<std::optional<core::SourceOrganization>> SourcePoller::describe_organization(
    std::span<const std::string> required_features) {
  const auto& calls = services::descriptor(service_).organization;
  if (!calls) co_return std::nullopt;
  boost::json::object detail;
  std::optional<std::string> next_token;
  NextTokens tokens(core::to_string(service_), "DescribeOrganizationConfiguration");
  try {
    for (std::size_t page = 0;; ++page) {
      if (page == kMaxPages)
        fail(core::to_string(service_), "DescribeOrganizationConfiguration", "PaginationLimit",
             "more than 100000 pages");
      auto answer = calls->parse(co_await send(calls->request(resource_, next_token)));
      if (page == 0) {
        detail = std::move(answer.detail);
      } else if (auto* more = answer.detail.if_contains("features"); more && more->is_array()) {
        // Later pages carry the rest of the features.
        auto& features = detail["features"];
        if (!features.is_array()) features = boost::json::array();
        for (auto& feature : more->get_array()) features.get_array().push_back(std::move(feature));
      }
      if (!answer.next_token) break;
      tokens.check(answer.next_token);
      next_token = std::move(answer.next_token);
    }
  } catch (const aws::AwsError& error) {
    if (!calls->not_administrator(error.info())) throw;
    spdlog::debug("not the organization's administrator administrator={} service={} region={} code={}",
                  admin_.account_id, core::to_string(service_), region_, error.info().code);
    co_return std::nullopt;
  }
  co_return core::SourceOrganization{std::string(calls->auto_enable(detail, required_features)),
                                     core::to_sorted_compact_json(detail)};
}

asio::awaitable<services::MemberFeaturesPage> SourcePoller::get_member_features(
    std::vector<std::string> batch) {
  const auto& calls = services::descriptor(service_).member_features;
  if (!calls || batch.empty()) co_return services::MemberFeaturesPage{};
  auto page = calls->parse(co_await send(calls->request(resource_, batch)));
  log_left_out_members(page.problems, key());
  co_return page;
}

std::vector<core::Membership> unlisted_records(const std::deque<std::string>& universe,
                                               const std::vector<core::Membership>& listed,
                                               bool listing_left_out_accounts) {
  std::unordered_set<std::string_view> named;
  for (const auto& record : listed) named.insert(record.account_id);
  std::vector<core::Membership> absent;
  for (const auto& account : universe) {
    if (named.contains(account)) continue;
    core::Membership record;
    record.account_id = account;
    record.status = listing_left_out_accounts ? core::MemberStatus::UNKNOWN : core::MemberStatus::NOT_MEMBER;
    if (!listing_left_out_accounts) record.raw_status = services::kNotListed;
    absent.push_back(std::move(record));
  }
  return absent;
}

void add_member_detail(core::Membership& record, const boost::json::object& fields) {
  auto detail = boost::json::parse(record.detail);  // canonical JSON text, written by the parsers
  for (const auto& [key, value] : fields) detail.as_object()[key] = value;
  record.detail = core::to_sorted_compact_json(detail);
}

asio::awaitable<std::vector<core::Membership>> SourcePoller::get_batch(std::vector<std::string> batch) {
  const auto& service = services::descriptor(service_);
  if (!service.get_members_request) throw std::logic_error("get_batch: the service has no GetMembers");
  auto page = service.parse_get_members(co_await send(service.get_members_request(resource_, batch)));
  log_left_out_members(page.problems, key());
  if (!page.problems.empty()) {
    // An element left out for an unreadable account ID stood for one of
    // the accounts asked about: those the answer does not name are UNKNOWN
    // here, not NOT_MEMBER gaps invented from a bad element.
    // Copies: the records below are appended to page.members, which moves
    // its strings.
    std::set<std::string> answered;
    for (const auto& record : page.members) answered.insert(record.account_id);
    for (const auto& account : batch) {
      if (answered.count(account) != 0) continue;
      core::Membership unknown;
      unknown.account_id = account;
      unknown.status = core::MemberStatus::UNKNOWN;
      page.members.push_back(std::move(unknown));
    }
  }
  co_return std::move(page.members);
}

}  // namespace mw::poller
