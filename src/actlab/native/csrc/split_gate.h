// The ops of a split-gate declaration (activations/gated.py: GLU, SwiGLU, GeGLU, ReGLU): x = [a, b]
// halves along dim, out = a * gate(b), the gate an elementwise activation Act<V>:
//
//   fn(x, dim, p)              a gate(b)
//   fn_backward(g, x, dim, p)  [g gate(b), (g a) gate'(b)]
//   fn_double_backward(gg, g, x, dim, p), gg = [gga, ggb]:
//     d/dg = gga gate(b) + (ggb a) gate'(b),
//     d/dx = [(ggb g) gate'(b), (gga g) gate'(b) + ((ggb g) a) gate''(b)]
//
// Declarations only; each gate's family .cpp instantiates (split_gate_impl.h), register.cpp
// registers (list.h). `name` is the op's name (list.h), for the errors.
#pragma once

#include <ATen/core/Tensor.h>

#include <tuple>

namespace actlab {

template <template <class> class Act, class... P>
struct SplitGate {
  static at::Tensor forward(const char* name, const at::Tensor& x, int64_t dim, P... p);
  static at::Tensor backward(const char* name, const at::Tensor& g, const at::Tensor& x, int64_t dim, P... p);
  static std::tuple<at::Tensor, at::Tensor> double_backward(const char* name, const at::Tensor& gg, const at::Tensor& g,
                                                            const at::Tensor& x, int64_t dim, P... p);
};

}  // namespace actlab
