// The ops of one learnable (kinds.Parametric) declaration, from an activation `Act<V>` written
// once for V = Vectorized<float> / Vectorized<double> (see parametric_impl.h for what Act provides):
//
//   fn(x, w1, ..., wk)                          f(x, w)
//   fn_backward(g, x, w1, ..., wk)              (g df/dx, sum g df/dw1, ..., sum g df/dwk)
//   fn_double_backward(ggx, ggw1, ..., ggwk, g, x, w1, ..., wk)
//                                               (d/dg, d/dx, d/dw1, ..., d/dwk) of
//                                               <ggx, gx> + sum_j <ggw_j, gw_j>
//
// each gw summed to its tensor's shape (one value, or one per channel) in the same pass as gx, in
// an order fixed by the shapes alone: the same bits whatever the thread count. Declarations only: each
// family's .cpp instantiates its activations (`template struct ParametricOps<StarReLU, std::make_index_sequence<2>>;`,
// 2 tensors) and
// register.cpp registers them (parametric_list.h).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <tuple>
#include <utility>

namespace actlab {

template <template <class> class Act, class Seq>
struct ParametricOps;

template <template <class> class Act, std::size_t... I>
struct ParametricOps<Act, std::index_sequence<I...>> {
  template <std::size_t>
  using In = const at::Tensor&;
  template <std::size_t>
  using Out = at::Tensor;
  static at::Tensor forward(const at::Tensor& x, In<I>... w);
  static std::tuple<at::Tensor, Out<I>...> backward(const at::Tensor& g, const at::Tensor& x, In<I>... w);
  static std::tuple<at::Tensor, at::Tensor, Out<I>...> double_backward(const at::Tensor& ggx, In<I>... ggw,
                                                                       const at::Tensor& g, const at::Tensor& x,
                                                                       In<I>... w);
};

}  // namespace actlab
