#pragma once

// The I/O side of one (administrator, service, region) source: discovery,
// every ListMembers page, then GetMembers over the administrator's account
// universe in batches of at most 50. Parsing is the services layer's.

#include <boost/asio/awaitable.hpp>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "aws/aws_client.hpp"
#include "aws/endpoints.hpp"
#include "config/config.hpp"
#include "core/model.hpp"
#include "services/api_request.hpp"
#include "services/service_descriptor.hpp"

namespace mw::poller {

// What a source call needs beyond its own key: shared by every source of a
// cycle, owned by the caller.
struct CallContext {
  aws::AwsClient& client;
  const config::Config& config;
  aws::EnvLookup env;
};

// A source failure, carried as a value so one source failing never throws
// through the others.
core::SourceError to_source_error(std::exception_ptr error);

// The NextTokens of one listing. A token given twice would send the
// listing round in circles: check() throws an AwsError (PaginationLoop).
class NextTokens {
 public:
  NextTokens(std::string_view service, std::string_view operation)
      : service_(service), operation_(operation) {}
  void check(const std::optional<std::string>& token);

 private:
  std::string service_;
  std::string operation_;
  std::set<std::string> seen_;
};

class SourcePoller {
 public:
  SourcePoller(CallContext& context, const config::Administrator& admin, core::Service service,
               std::string region, aws::CredentialsGetter credentials);

  // Discovery and listing in two steps, so GetMembers can start while
  // pages still come: the resource (GuardDuty detector, Detective graph; nothing for Security
  // Hub), then every ListMembers page, each page's account IDs handed to
  // `on_page` as it arrives. Both throw on failure.
  boost::asio::awaitable<void> find_resource();
  using PageSink = std::function<void(std::vector<std::string>&& accounts)>;
  boost::asio::awaitable<void> list_members(const PageSink& on_page);

  // One GetMembers call for at most 50 accounts (the records' source is
  // set by the merge). Needs find_resource() first. Throws on failure.
  boost::asio::awaitable<std::vector<core::Membership>> get_batch(std::vector<std::string> batch);

  // DescribeOrganizationConfiguration, every page (GuardDuty pages its
  // features). nullopt: the service says the caller is not the
  // organization's administrator here, or has no such operation. Needs
  // find_resource() first. Throws any other failure.
  boost::asio::awaitable<std::optional<core::SourceOrganization>> describe_organization(
      std::span<const std::string> required_features);

  // One GetMemberDetectors call for at most 50 accounts (services without
  // it: an empty page). Needs find_resource() first. Throws on failure.
  boost::asio::awaitable<services::MemberFeaturesPage> get_member_features(std::vector<std::string> batch);

  // For a service without GetMembers: the records its listing gave (once),
  // and whether some listed element had no readable account ID.
  std::vector<core::Membership> take_listed_records() { return std::exchange(listed_records_, {}); }
  bool listing_left_out_accounts() const { return listing_left_out_accounts_; }

  const std::optional<std::string>& resource() const { return resource_; }
  core::SourceKey key() const;

 private:
  boost::asio::awaitable<std::string> send(const services::ApiRequest& request);
  boost::asio::awaitable<std::optional<std::string>> discover_resource(const services::Discovery& discovery);

  CallContext& context_;
  const config::Administrator& admin_;
  core::Service service_;
  std::string region_;
  aws::CredentialsGetter credentials_;
  std::optional<std::string> resource_;
  std::string rate_key_;
  std::vector<core::Membership> listed_records_;
  bool listing_left_out_accounts_ = false;
};

// Adds `fields` (a services::MemberFeaturesPage::Member's detail: GuardDuty's
// features, Inspector's resources) to the record's detail.
void add_member_detail(core::Membership& record, const boost::json::object& fields);

// For a service whose listing is the answer: a record for each account of
// `universe` that `listed` does not name: NOT_MEMBER with raw_status
// NOT_LISTED, or UNKNOWN (raw_status "") when the listing left an element
// out (it may have been that account).
std::vector<core::Membership> unlisted_records(const std::deque<std::string>& universe,
                                               const std::vector<core::Membership>& listed,
                                               bool listing_left_out_accounts);

// Turns a services ApiRequest into a call of the AWS client for `service`
// in `region` (endpoint resolved per CONTRACT.md).
aws::AwsCall make_call(const services::ApiRequest& request, aws::Service service, const std::string& region,
                       const config::Config& config, const aws::EnvLookup& env,
                       aws::CredentialsGetter credentials, std::string rate_key);

}  // namespace mw::poller
