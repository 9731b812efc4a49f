#pragma once
// A value or a human-readable error, for the pure cores. Untrusted input
// (event lines, merchant policies, request bodies, scorecards) is parsed into
// one of these instead of throwing, so callers can report the message (a CLI
// on stderr with a line number, the server as a 400).

#include <string>
#include <utility>
#include <variant>

namespace kefu::core {

struct error {
  std::string message;
};

template <class T>
class result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  result(error e) : v_(std::in_place_index<1>, std::move(e)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Only meaningful when !ok().
  const std::string& message() const { return std::get<1>(v_).message; }
  const error& err() const { return std::get<1>(v_); }

 private:
  std::variant<T, error> v_;
};

}  // namespace kefu::core
