#pragma once
// A value or a readable error. Everything in kefu_qa that reads untrusted
// input (request bodies, scorecards edited by providers, reviews) returns one
// of these instead of throwing, so the server can answer 400 with the message.

#include <string>
#include <utility>
#include <variant>

namespace kefu::qa {

struct error {
  std::string message;
};

template <class T>
class outcome {
 public:
  outcome(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  outcome(error e) : v_(std::in_place_index<1>, std::move(e)) {}

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

 private:
  std::variant<T, error> v_;
};

}  // namespace kefu::qa
