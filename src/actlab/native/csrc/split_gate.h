// The ops of a split-gate declaration (activations/gated.py GLU, glu_variants.py): x = [a, b]
// halves along dim, out = a * gate(b), the gate an elementwise activation Act<V>:
//
//   fn(x, dim, p)              a gate(b)
//   fn_backward(g, x, dim, p)  [g gate(b), (g a) gate'(b)]
//
// Declarations only; each gate's family .cpp instantiates (split_gate_impl.h), register.cpp
// registers (list.h).
#pragma once

#include <ATen/core/Tensor.h>

namespace actlab {

template <template <class> class Act, class... P>
struct SplitGate {
  static at::Tensor forward(const at::Tensor& x, int64_t dim, P... p);
  static at::Tensor backward(const at::Tensor& g, const at::Tensor& x, int64_t dim, P... p);
};

}  // namespace actlab
