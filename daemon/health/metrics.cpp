#include "health/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>
#include <system_error>

namespace mw::health {
namespace {

bool is_name_start(char c, bool allow_colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
}

bool is_name_char(char c, bool allow_colon) {
  return is_name_start(c, allow_colon) || (c >= '0' && c <= '9');
}

bool is_valid_name(std::string_view name, bool allow_colon) {
  if (name.empty() || !is_name_start(name.front(), allow_colon)) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return is_name_char(c, allow_colon); });
}

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::counter:
      return "counter";
    case MetricType::gauge:
      return "gauge";
    case MetricType::histogram:
      return "histogram";
  }
  throw std::logic_error("unknown metric type");
}

void validate_label_names(const std::string& metric, MetricType type, const std::vector<std::string>& names) {
  std::set<std::string_view> seen;
  for (const auto& label : names) {
    if (!is_valid_label_name(label) || label.starts_with("__")) {
      throw std::invalid_argument("metric " + metric + ": invalid label name \"" + label + "\"");
    }
    if (type == MetricType::histogram && label == "le") {
      throw std::invalid_argument("metric " + metric + ": a histogram cannot have a label named le");
    }
    if (!seen.insert(label).second) {
      throw std::invalid_argument("metric " + metric + ": label " + label + " appears twice");
    }
  }
}

// The names a family's sample lines use; two families must not share any.
std::vector<std::string> sample_names(const MetricFamily& family) {
  if (family.type() != MetricType::histogram) return {family.name()};
  return {family.name(), family.name() + "_bucket", family.name() + "_sum", family.name() + "_count"};
}

void append_line(std::string& out, const std::string& prefix, bool has_labels, std::string_view value) {
  out += prefix;
  if (has_labels) out += '}';
  out += ' ';
  out += value;
  out += '\n';
}

std::string format_count(std::uint64_t count) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, count);
  if (ec != std::errc()) throw std::logic_error("cannot format a count");
  return std::string(buffer, end);
}

}  // namespace

bool is_valid_metric_name(std::string_view name) {
  return is_valid_name(name, true);
}

bool is_valid_label_name(std::string_view name) {
  return is_valid_name(name, false);
}

std::string format_sample_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) throw std::logic_error("cannot format a sample value");
  return std::string(buffer, end);
}

std::string escape_label_value(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string escape_help(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

MetricFamily::MetricFamily(std::string name, std::string help, MetricType type,
                           std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), type_(type), label_names_(std::move(label_names)) {
  if (!is_valid_metric_name(name_)) throw std::invalid_argument("invalid metric name \"" + name_ + "\"");
  validate_label_names(name_, type_, label_names_);
}

void MetricFamily::clear() {
  std::lock_guard lock(mutex_);
  clear_locked();
}

void MetricFamily::write(std::string& out) const {
  std::lock_guard lock(mutex_);
  std::string samples;
  write_samples_locked(samples);
  if (samples.empty()) return;
  out += "# HELP " + name_ + ' ' + escape_help(help_) + '\n';
  out += "# TYPE " + name_ + ' ' + std::string(type_name(type_)) + '\n';
  out += samples;
}

void MetricFamily::check_label_values(const LabelValues& values) const {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument("metric " + name_ + ": expected " + std::to_string(label_names_.size()) +
                                " label values, got " + std::to_string(values.size()));
  }
}

std::string MetricFamily::series_prefix(std::string_view suffix, const LabelValues& values) const {
  std::string prefix = name_;
  prefix += suffix;
  for (std::size_t i = 0; i < values.size(); ++i) {
    prefix += i == 0 ? '{' : ',';
    prefix += label_names_[i] + "=\"" + escape_label_value(values[i]) + '"';
  }
  return prefix;
}

Counter::Counter(std::string name, std::string help, std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), MetricType::counter, std::move(label_names)) {
  if (this->label_names().empty()) series_[{}] = 0.0;
}

void Counter::increment(const LabelValues& values, double amount) {
  check_label_values(values);
  if (!(amount >= 0.0) || std::isinf(amount)) {
    throw std::invalid_argument("counter " + name() + ": increment must be finite and not negative");
  }
  std::lock_guard lock(mutex_);
  series_[values] += amount;
}

double Counter::value(const LabelValues& values) const {
  check_label_values(values);
  std::lock_guard lock(mutex_);
  auto found = series_.find(values);
  return found == series_.end() ? 0.0 : found->second;
}

void Counter::clear_locked() {
  series_.clear();
  if (label_names().empty()) series_[{}] = 0.0;
}

void Counter::write_samples_locked(std::string& out) const {
  for (const auto& [values, value] : series_) {
    append_line(out, series_prefix("", values), !values.empty(), format_sample_value(value));
  }
}

Gauge::Gauge(std::string name, std::string help, std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), MetricType::gauge, std::move(label_names)) {
  if (this->label_names().empty()) series_[{}] = 0.0;
}

void Gauge::set(const LabelValues& values, double value) {
  check_label_values(values);
  std::lock_guard lock(mutex_);
  series_[values] = value;
}

void Gauge::add(const LabelValues& values, double amount) {
  check_label_values(values);
  std::lock_guard lock(mutex_);
  series_[values] += amount;
}

double Gauge::value(const LabelValues& values) const {
  check_label_values(values);
  std::lock_guard lock(mutex_);
  auto found = series_.find(values);
  return found == series_.end() ? 0.0 : found->second;
}

void Gauge::replace(const std::vector<std::pair<LabelValues, double>>& series) {
  std::map<LabelValues, double> fresh;
  for (const auto& [values, value] : series) {
    check_label_values(values);
    fresh[values] = value;
  }
  std::lock_guard lock(mutex_);
  series_ = std::move(fresh);
  if (label_names().empty() && series_.empty()) series_[{}] = 0.0;
}

void Gauge::clear_locked() {
  series_.clear();
  if (label_names().empty()) series_[{}] = 0.0;
}

void Gauge::write_samples_locked(std::string& out) const {
  for (const auto& [values, value] : series_) {
    append_line(out, series_prefix("", values), !values.empty(), format_sample_value(value));
  }
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> upper_bounds)
    : MetricFamily(std::move(name), std::move(help), MetricType::histogram, std::move(label_names)),
      upper_bounds_(std::move(upper_bounds)) {
  if (upper_bounds_.empty()) throw std::invalid_argument("histogram " + this->name() + ": no buckets");
  for (std::size_t i = 0; i < upper_bounds_.size(); ++i) {
    if (!std::isfinite(upper_bounds_[i]) || (i > 0 && !(upper_bounds_[i] > upper_bounds_[i - 1]))) {
      throw std::invalid_argument("histogram " + this->name() +
                                  ": bucket bounds must be finite and strictly increasing");
    }
  }
  if (this->label_names().empty()) series_[{}] = new_series();
}

Histogram::Series Histogram::new_series() const {
  Series series;
  series.bucket_counts.assign(upper_bounds_.size() + 1, 0);
  return series;
}

void Histogram::observe(const LabelValues& values, double sample) {
  check_label_values(values);
  if (std::isnan(sample)) throw std::invalid_argument("histogram " + name() + ": NaN observation");
  auto bucket = static_cast<std::size_t>(
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), sample) - upper_bounds_.begin());
  std::lock_guard lock(mutex_);
  auto [position, inserted] = series_.try_emplace(values);
  if (inserted) position->second = new_series();
  Series& series = position->second;
  ++series.bucket_counts[bucket];
  series.sum += sample;
  ++series.count;
}

Histogram::Snapshot Histogram::snapshot(const LabelValues& values) const {
  check_label_values(values);
  std::lock_guard lock(mutex_);
  Snapshot result;
  result.cumulative_counts.assign(upper_bounds_.size() + 1, 0);
  auto found = series_.find(values);
  if (found == series_.end()) return result;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < found->second.bucket_counts.size(); ++i) {
    running += found->second.bucket_counts[i];
    result.cumulative_counts[i] = running;
  }
  result.sum = found->second.sum;
  result.count = found->second.count;
  return result;
}

void Histogram::clear_locked() {
  series_.clear();
  if (label_names().empty()) series_[{}] = new_series();
}

void Histogram::write_samples_locked(std::string& out) const {
  for (const auto& [values, series] : series_) {
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < series.bucket_counts.size(); ++i) {
      running += series.bucket_counts[i];
      double bound = i < upper_bounds_.size() ? upper_bounds_[i] : INFINITY;
      std::string prefix = series_prefix("_bucket", values);
      prefix += values.empty() ? '{' : ',';
      prefix += "le=\"" + format_sample_value(bound) + '"';
      append_line(out, prefix, true, format_count(running));
    }
    append_line(out, series_prefix("_sum", values), !values.empty(), format_sample_value(series.sum));
    append_line(out, series_prefix("_count", values), !values.empty(), format_count(series.count));
  }
}

template <typename Family, typename... Args>
Family& Registry::add(std::string name, Args&&... args) {
  auto family = std::make_unique<Family>(std::move(name), std::forward<Args>(args)...);
  std::lock_guard lock(mutex_);
  for (const auto& new_name : sample_names(*family)) {
    for (const auto& [existing_name, existing] : families_) {
      auto used = sample_names(*existing);
      if (std::find(used.begin(), used.end(), new_name) != used.end()) {
        throw std::invalid_argument("metric name " + family->name() + " clashes with " + existing_name);
      }
    }
  }
  Family& added = *family;
  families_.emplace(added.name(), std::move(family));
  return added;
}

Counter& Registry::add_counter(std::string name, std::string help, std::vector<std::string> label_names) {
  return add<Counter>(std::move(name), std::move(help), std::move(label_names));
}

Gauge& Registry::add_gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  return add<Gauge>(std::move(name), std::move(help), std::move(label_names));
}

Histogram& Registry::add_histogram(std::string name, std::string help, std::vector<std::string> label_names,
                                   std::vector<double> upper_bounds) {
  return add<Histogram>(std::move(name), std::move(help), std::move(label_names), std::move(upper_bounds));
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) family->write(out);
  return out;
}

}  // namespace mw::health
