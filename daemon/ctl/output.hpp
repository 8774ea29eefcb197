#pragma once

// How memberwatchctl prints rows: an aligned table for people (colour on a
// terminal), CSV (RFC 4180) or one JSON document for scripts. A row is a
// JSON object whose keys are the listing's columns; CSV and JSON rows go
// out as they come, so a listing of every membership never sits in memory.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ctl/options.hpp"

namespace mw::ctl {

// Colour for tables: only on a terminal, and never with NO_COLOR set.
bool colour_wanted(std::FILE* stream);

// One field of a CSV line, quoted when it must be (RFC 4180).
std::string csv_field(std::string_view text);

// A cell as tables and CSV show it: strings as they are, null as "" (a
// table shows "-"), other values as compact JSON.
std::string cell_text(const boost::json::value& value);

class RowWriter {
 public:
  virtual ~RowWriter() = default;
  virtual void row(const boost::json::object& row) = 0;
  virtual void finish() = 0;  // once, after the last row (a table prints itself then)
};

// A writer to `out` in `format`. `columns` name the keys of every row, in
// the order tables and CSV show them. A JSON listing is an array of the
// rows; a table holds its rows until finish() (to align them) and shows
// `empty_text` when there are none.
std::unique_ptr<RowWriter> make_row_writer(Format format, std::FILE* out, std::vector<std::string> columns,
                                           bool colour, std::string empty_text);

// The text of a table of these rows (for the blocks of `status` and
// `account`); `colour` paints the status and state columns.
std::string table_text(const std::vector<std::string>& columns, const std::vector<boost::json::object>& rows,
                       bool colour);

// A JSON document as memberwatchctl prints it: two-space indentation, keys
// sorted (stable for scripts and diffs), a final newline.
std::string pretty_json(const boost::json::value& value);

}  // namespace mw::ctl
