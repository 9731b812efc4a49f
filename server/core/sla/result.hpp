#pragma once
// The SLA engine's value-or-error type: the cores' shared one.

#include "server/core/common/result.hpp"

namespace kefu::sla {

using error = core::error;
template <class T>
using result = core::result<T>;

}  // namespace kefu::sla
