#pragma once

#include <stdexcept>
#include <string>

namespace lockstep {

// Thrown by every unfinished body of a skeleton, so an unimplemented exercise fails its
// tests cleanly instead of crashing or hanging.
// Named like the standard exceptions it extends.
class not_implemented : public std::logic_error {  // NOLINT(readability-identifier-naming)
 public:
  explicit not_implemented(const std::string& what_is_missing)
      : std::logic_error("not implemented: " + what_is_missing) {}
};

}  // namespace lockstep
