#include "ctl/output.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "core/json_text.hpp"

namespace mw::ctl {
namespace {

namespace json = boost::json;

constexpr std::string_view kReset = "\033[0m";

// Green for what covers, red for what does not, yellow for the way between.
std::string_view colour_of(std::string_view word) {
  if (word == "ENABLED" || word == "ADMINISTRATOR" || word == "ok" || word == "OK") return "\033[32m";
  if (word == "INVITED" || word == "CREATED" || word == "VERIFICATION_IN_PROGRESS" || word == "stale" ||
      word == "region_disabled" || word == "WARNING")
    return "\033[33m";
  if (word.empty() || word == "-") return "";
  return "\033[31m";
}

bool is_coloured_column(std::string_view column) {
  return column == "status" || column == "state" || column == "from" || column == "to";
}

void write_text(std::FILE* out, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), out);
}

class TableWriter : public RowWriter {
 public:
  TableWriter(std::FILE* out, std::vector<std::string> columns, bool colour, std::string empty_text)
      : out_(out), columns_(std::move(columns)), colour_(colour), empty_text_(std::move(empty_text)) {}

  void row(const json::object& row) override { rows_.push_back(row); }

  void finish() override {
    if (rows_.empty()) {
      write_text(out_, empty_text_ + "\n");
      return;
    }
    write_text(out_, table_text(columns_, rows_, colour_));
  }

 private:
  std::FILE* out_;
  std::vector<std::string> columns_;
  bool colour_;
  std::string empty_text_;
  std::vector<json::object> rows_;
};

class CsvWriter : public RowWriter {
 public:
  CsvWriter(std::FILE* out, std::vector<std::string> columns) : out_(out), columns_(std::move(columns)) {
    std::string header;
    for (std::size_t i = 0; i < columns_.size(); ++i) header += (i ? "," : "") + csv_field(columns_[i]);
    write_text(out_, header + "\r\n");
  }

  void row(const json::object& row) override {
    std::string line;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i) line += ',';
      const auto* value = row.if_contains(columns_[i]);
      line += csv_field(value ? cell_text(*value) : "");
    }
    write_text(out_, line + "\r\n");
  }

  void finish() override {}

 private:
  std::FILE* out_;
  std::vector<std::string> columns_;
};

class JsonWriter : public RowWriter {
 public:
  explicit JsonWriter(std::FILE* out) : out_(out) {}

  void row(const json::object& row) override {
    std::string text = rows_ == 0 ? "[\n  " : ",\n  ";
    core::append_sorted_pretty_json(text, row, 1);
    write_text(out_, text);
    ++rows_;
  }

  void finish() override { write_text(out_, rows_ == 0 ? "[]\n" : "\n]\n"); }

 private:
  std::FILE* out_;
  std::size_t rows_ = 0;
};

}  // namespace

bool colour_wanted(std::FILE* stream) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour && *no_colour) return false;  // https://no-color.org: set and not empty
  return isatty(fileno(stream)) == 1;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string cell_text(const json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  if (value.is_null()) return "";
  return core::to_compact_json(value);
}

std::string table_text(const std::vector<std::string>& columns, const std::vector<json::object>& rows,
                       bool colour) {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> widths;
  for (const auto& column : columns) {
    std::string heading;
    for (char c : column)
      heading += c == '_' ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    widths.push_back(heading.size());
    if (cells.empty()) cells.emplace_back();
    cells.front().push_back(heading);
  }
  for (const auto& row : rows) {
    std::vector<std::string> line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto* value = row.if_contains(columns[i]);
      std::string text = value ? cell_text(*value) : "";
      if (text.empty()) text = "-";
      widths[i] = std::max(widths[i], text.size());
      line.push_back(std::move(text));
    }
    cells.push_back(std::move(line));
  }
  std::string out;
  for (std::size_t r = 0; r < cells.size(); ++r) {
    std::string line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const std::string& text = cells[r][i];
      const bool last = i + 1 == columns.size();
      const auto paint =
          colour && r > 0 && is_coloured_column(columns[i]) ? colour_of(text) : std::string_view();
      line += paint;
      line += text;
      if (!paint.empty()) line += kReset;
      if (!last) line.append(widths[i] - text.size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::unique_ptr<RowWriter> make_row_writer(Format format, std::FILE* out, std::vector<std::string> columns,
                                           bool colour, std::string empty_text) {
  switch (format) {
    case Format::csv:
      return std::make_unique<CsvWriter>(out, std::move(columns));
    case Format::json:
      return std::make_unique<JsonWriter>(out);
    case Format::table:
      break;
  }
  return std::make_unique<TableWriter>(out, std::move(columns), colour, std::move(empty_text));
}

std::string pretty_json(const json::value& value) {
  return core::to_sorted_pretty_json(value) + "\n";
}

}  // namespace mw::ctl
