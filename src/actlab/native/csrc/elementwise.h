// The ops of one elementwise declaration, from an activation `Act<V>` written once for
// V = Vectorized<float> / Vectorized<double> (see elementwise_impl.h for what Act provides).
//
//   fn(x, p)                        f(x)
//   fn_(x!, p)                      f(x) written into x
//   fn_backward(g, x, p)            g f'(x)
//   fn_backward_y(g, y, p)          g f'(x) written with y = f(x)
//   fn_double_backward(gg, g, x, p) (gg f'(x), gg g f''(x))
//   fn_double_backward_y(gg, g, y)  (gg f'(x), gg g f''(x)) written with y
//   fn_double_backward_x(gg, g, x)  gg g f''(x) alone (zeros for piecewise-linear f)
//   fn_double_backward_x_y(gg, g, y) the same written with y
//
// Declarations only: each family's .cpp instantiates its activations (`template struct
// Elementwise<ELU, double>;`) and register.cpp registers them (list.h).
#pragma once

#include <ATen/core/Tensor.h>

#include <tuple>

namespace actlab {

template <template <class> class Act, class... P>
struct Elementwise {
  static at::Tensor f(const at::Tensor& x, P... p);
  static at::Tensor& f_(at::Tensor& x, P... p);
  static at::Tensor backward(const at::Tensor& g, const at::Tensor& x, P... p);
  static at::Tensor backward_y(const at::Tensor& g, const at::Tensor& y, P... p);
  static std::tuple<at::Tensor, at::Tensor> double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                            const at::Tensor& x, P... p);
  static std::tuple<at::Tensor, at::Tensor> double_backward_y(const at::Tensor& gg, const at::Tensor& g,
                                                              const at::Tensor& y, P... p);
  static at::Tensor double_backward_x(const at::Tensor& gg, const at::Tensor& g, const at::Tensor& x, P... p);
  static at::Tensor double_backward_x_y(const at::Tensor& gg, const at::Tensor& g, const at::Tensor& y, P... p);
};

}  // namespace actlab
