// Definitions of SplitGate<Act, P...> (split_gate.h): the halves are strided views, run by the
// elementwise driver (loop.h) without copies.
#pragma once

#include <c10/core/WrapDimMinimal.h>

#include <string>
#include <tuple>
#include <utility>

#include "kernels.h"
#include "loop.h"
#include "split_gate.h"

namespace actlab {

// The halves a, b of x along dim, with the declaration's errors (SplitGate.split).
inline std::pair<at::Tensor, at::Tensor> halves(const at::Tensor& x, int64_t& dim, const char* name) {
  if (x.dim() == 0) raise_shape_error(std::string(name) + " does not support scalars because halving size must be even");
  dim = c10::maybe_wrap_dim(dim, x.dim());
  const int64_t n = x.size(dim);
  if (n % 2) {
    raise_shape_error("Halving dimension must be even, but dimension " + std::to_string(dim) + " is size " +
                      std::to_string(n));
  }
  return {x.narrow(dim, 0, n / 2), x.narrow(dim, n / 2, n / 2)};
}

template <template <class> class Act, class... P>
at::Tensor SplitGate<Act, P...>::forward(const char* name, const at::Tensor& x, int64_t dim, P... p) {
  const auto [a, b] = halves(x, dim, name);
  at::Tensor out = empty_like(a);
  const Act<Vectorized<float>> f(p...);
  const Act<Vectorized<double>> d(p...);
  run({out}, {a, b},
      [&](const float* const* in, float* const* o, int64_t n) {
        map_2_1(in, o, n, [&](auto av, auto bv) ACTLAB_INLINE_LAMBDA { return av * f.f(bv); });
      },
      [&](const double* const* in, double* const* o, int64_t n) {
        map_2_1(in, o, n, [&](auto av, auto bv) ACTLAB_INLINE_LAMBDA { return av * d.f(bv); });
      });
  return out;
}

template <template <class> class Act, class... P>
at::Tensor SplitGate<Act, P...>::backward(const char* name, const at::Tensor& g, const at::Tensor& x, int64_t dim,
                                          P... p) {
  const auto [a, b] = halves(x, dim, name);
  at::Tensor out = empty_like(x);
  const int64_t h = a.size(dim);
  const Act<Vectorized<float>> f(p...);
  const Act<Vectorized<double>> d(p...);
  auto both = [](const auto& act) {
    return [&act](auto gv, auto av, auto bv) ACTLAB_INLINE_LAMBDA { return std::make_pair(gv * act.f(bv), (gv * av) * act.df(bv)); };
  };
  run({out.narrow(dim, 0, h), out.narrow(dim, h, h)}, {g, a, b},
      [&](const float* const* in, float* const* o, int64_t n) { map_3_2(in, o, n, both(f)); },
      [&](const double* const* in, double* const* o, int64_t n) { map_3_2(in, o, n, both(d)); });
  return out;
}

template <template <class> class Act, class... P>
std::tuple<at::Tensor, at::Tensor> SplitGate<Act, P...>::double_backward(const char* name, const at::Tensor& gg,
                                                                         const at::Tensor& g, const at::Tensor& x,
                                                                         int64_t dim, P... p) {
  int64_t gdim = dim;
  const auto [a, b] = halves(x, dim, name);
  const auto [gga, ggb] = halves(gg, gdim, name);
  at::Tensor grad_g = empty_like(g), grad_x = empty_like(x);
  const int64_t h = a.size(dim);
  const Act<Vectorized<float>> f(p...);
  const Act<Vectorized<double>> d(p...);
  // the declaration's order of operations (SplitGate.vjp2)
  auto terms = [](const auto& act) {
    return [&act](auto ga, auto gb, auto gv, auto av, auto bv) ACTLAB_INLINE_LAMBDA {
      const auto da = act.df(bv), gbg = gb * gv;
      return std::make_tuple(ga * act.f(bv) + (gb * av) * da, gbg * da, (ga * gv) * da + (gbg * av) * act.d2f(bv));
    };
  };
  run({grad_g, grad_x.narrow(dim, 0, h), grad_x.narrow(dim, h, h)}, {gga, ggb, g, a, b},
      [&](const float* const* in, float* const* o, int64_t n) { map_5_3(in, o, n, terms(f)); },
      [&](const double* const* in, double* const* o, int64_t n) { map_5_3(in, o, n, terms(d)); });
  return {grad_g, grad_x};
}

}  // namespace actlab
