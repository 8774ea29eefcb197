#pragma once

// A small Prometheus registry and its text exposition (format 0.0.4).
// prometheus-cpp is not packaged for Debian 12, and the daemon needs only
// counters, gauges and histograms with label sets.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mw::health {

inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

// Label values, in the order of the family's label names.
using LabelValues = std::vector<std::string>;

enum class MetricType { counter, gauge, histogram };

// Writes a sample value as Prometheus reads it: shortest round-trip form,
// independent of the locale, "+Inf", "-Inf" and "NaN" for the specials.
std::string format_sample_value(double value);

// Escapes a label value (backslash, double quote, newline).
std::string escape_label_value(std::string_view value);

// Escapes HELP text (backslash, newline).
std::string escape_help(std::string_view text);

// One metric name with its HELP, TYPE and label names, and one series per
// distinct set of label values. Families without label names always hold
// their single series (starting at 0); labelled families start empty and
// are left out of the exposition until a series exists.
class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, MetricType type, std::vector<std::string> label_names);
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Drops every series (the unlabelled series goes back to 0), for
  // families whose label sets are rebuilt from scratch each cycle.
  void clear();

  // Appends HELP, TYPE and the samples to `out`.
  void write(std::string& out) const;

 protected:
  // Throws std::invalid_argument when `values` do not fit the label names.
  void check_label_values(const LabelValues& values) const;
  // The "name{a="x",b="y"" prefix of a sample line, without the closing brace.
  std::string series_prefix(std::string_view suffix, const LabelValues& values) const;

  virtual void clear_locked() = 0;
  virtual void write_samples_locked(std::string& out) const = 0;

  mutable std::mutex mutex_;

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
};

class Counter final : public MetricFamily {
 public:
  Counter(std::string name, std::string help, std::vector<std::string> label_names);

  // Throws std::invalid_argument for a negative or NaN amount.
  void increment(const LabelValues& values = {}, double amount = 1.0);
  double value(const LabelValues& values = {}) const;

 private:
  void clear_locked() override;
  void write_samples_locked(std::string& out) const override;

  std::map<LabelValues, double> series_;
};

class Gauge final : public MetricFamily {
 public:
  Gauge(std::string name, std::string help, std::vector<std::string> label_names);

  void set(const LabelValues& values, double value);
  void set(double value) { set({}, value); }
  void add(const LabelValues& values, double amount);
  double value(const LabelValues& values = {}) const;
  // Replaces every series at once, so that a scrape sees either the old set
  // or the new one.
  void replace(const std::vector<std::pair<LabelValues, double>>& series);

 private:
  void clear_locked() override;
  void write_samples_locked(std::string& out) const override;

  std::map<LabelValues, double> series_;
};

class Histogram final : public MetricFamily {
 public:
  // `upper_bounds` must be finite, strictly increasing and non-empty; the
  // +Inf bucket is implicit.
  Histogram(std::string name, std::string help, std::vector<std::string> label_names,
            std::vector<double> upper_bounds);

  void observe(const LabelValues& values, double sample);
  void observe(double sample) { observe({}, sample); }

  struct Snapshot {
    std::vector<std::uint64_t> cumulative_counts;  // one per upper bound, then +Inf
    double sum = 0.0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot(const LabelValues& values = {}) const;
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

 private:
  struct Series {
    std::vector<std::uint64_t> bucket_counts;  // not cumulative; last is +Inf
    double sum = 0.0;
    std::uint64_t count = 0;
  };
  Series new_series() const;
  void clear_locked() override;
  void write_samples_locked(std::string& out) const override;

  std::vector<double> upper_bounds_;
  std::map<LabelValues, Series> series_;
};

// Owns metric families and renders them, sorted by name. Family objects
// stay at the same address for the registry's lifetime, so callers keep
// references to them. Every operation is thread-safe.
class Registry {
 public:
  // Each throws std::invalid_argument for an invalid or already used name,
  // invalid label names, or (histogram) invalid bounds.
  Counter& add_counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Gauge& add_gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Histogram& add_histogram(std::string name, std::string help, std::vector<std::string> label_names,
                           std::vector<double> upper_bounds);

  // The whole exposition in text format 0.0.4.
  std::string render() const;

 private:
  template <typename Family, typename... Args>
  Family& add(std::string name, Args&&... args);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<MetricFamily>, std::less<>> families_;
};

// Prometheus naming rules.
bool is_valid_metric_name(std::string_view name);
bool is_valid_label_name(std::string_view name);

}  // namespace mw::health
