#pragma once

#include <string>
#include <string_view>

namespace lockstep::detail {

// Appends `text` to `out` as a JSON string literal, quotes included. The result is valid
// JSON for any bytes: valid UTF-8 is kept, control characters, quotes and backslashes are
// escaped, and each byte that is not part of valid UTF-8 becomes \u00XX (its Latin-1
// reading), so a stray byte in a failure message never invalidates a record.
void append_json_string(std::string& out, std::string_view text);

}  // namespace lockstep::detail
