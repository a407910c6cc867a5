// Kernels of the non-elementwise ops (normalisers, split gates, PReLU, RReLU noise); register.cpp
// registers them.
#pragma once

#include <ATen/core/Tensor.h>

namespace actlab {

}  // namespace actlab
