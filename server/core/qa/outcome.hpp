#pragma once
// A value or a readable error. Everything in kefu_qa that reads untrusted
// input (request bodies, scorecards edited by providers, reviews) returns one
// of these instead of throwing, so the server can answer 400 with the message.

#include "server/core/common/result.hpp"

namespace kefu::qa {

using error = core::error;
template <class T>
using outcome = core::result<T>;

}  // namespace kefu::qa
