#pragma once
// JSON text with readable numbers: Boost.JSON prints doubles in exponent form
// (30.001 as 3.0001E1); reports are read by people and spreadsheets, so
// doubles here use the shortest round-trip decimal form instead.

#include <boost/json/value.hpp>

#include <string>

namespace kefu::sla {

// How an integral double is written: `shortest` (25) for the reports and kefu-sla, whose
// figures compare as numbers; `keep_point` (25.0) where clients may read JSON's number types.
enum class floats { shortest, keep_point };
std::string to_text(const boost::json::value& v, floats style = floats::shortest);
void append_text(std::string& out, const boost::json::value& v, floats style = floats::shortest);
// Shortest text that reads back as exactly `d` (plain decimal when short).
std::string format_number(double d);

}  // namespace kefu::sla
