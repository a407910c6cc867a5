// Definitions of Elementwise<Act, P...> (elementwise.h). An activation is a class template
// Act<V>, V = Vectorized<float> or Vectorized<double>, constructed from the op's parameters, with
//
//   V f(V x)    V df(V x)    V d2f(V x)          required
//   V df_y(V y) V d2f_y(V y)                     when the declaration has df_y (ops *_y)
//
// The float instantiation is the float32, bfloat16 and float16 kernel (computed in float32,
// rounded once); the double one the float64 kernel. Large contiguous bfloat16/half tensors of
// an activation with Act::tabulate take f and f' from tables of that kernel's values (tables.h):
// the same results.
#pragma once

#include "elementwise.h"
#include "loop.h"
#include "tables.h"

namespace actlab {

template <class A>
concept WithOutputForm = requires(const A& a, typename A::Vec v) {
  a.df_y(v);
  a.d2f_y(v);
};

// run() with the block kernel(in, out, n) for float32 (act32), float64 (act64) and, when the
// activation asks for it (Act::direct_half: cheap bodies), bfloat16/half storage (act32)
template <class A32, class A64, class Kernel>
void run_with(at::TensorList outs, at::TensorList ins, const A32& act32, const A64& act64, const Kernel& kernel) {
  auto on = [&](const auto& act) {
    return [&](const auto* const* in, auto* const* out, int64_t n) ACTLAB_INLINE_LAMBDA { kernel(act, in, out, n); };
  };
  const auto k32 = on(act32);
  const auto k64 = on(act64);
  if constexpr (A32::direct_half) {
    const HalfBlocks half{k32, k32};
    run(outs, ins, k32, k64, A32::grain, &half);
  } else {
    run(outs, ins, k32, k64, A32::grain);
  }
}

// x -> act.f(x) for every element
template <template <class> class Act, class... P>
void apply_f(const at::Tensor& out, const at::Tensor& x, P... p) {
  run_with({out}, {x}, Act<Vectorized<float>>(p...), Act<Vectorized<double>>(p...),
           [](const auto& act, const auto* const* in, auto* const* o, int64_t n) ACTLAB_INLINE_LAMBDA {
             map_1_1(in, o, n, [&](auto v) ACTLAB_INLINE_LAMBDA { return act.f(v); });
           });
}

// out = g f'(s): df(act, s) is f'(x) written with s (x or y)
template <template <class> class Act, class DF, class... P>
void apply_backward_into(const at::Tensor& out, const at::Tensor& g, const at::Tensor& s, DF df, P... p) {
  run_with({out}, {g, s}, Act<Vectorized<float>>(p...), Act<Vectorized<double>>(p...),
           [&](const auto& act, const auto* const* in, auto* const* o, int64_t n) ACTLAB_INLINE_LAMBDA {
             map_2_1(in, o, n, [&](auto gv, auto sv) ACTLAB_INLINE_LAMBDA { return gv * df(act, sv); });
           });
}

template <template <class> class Act, class DF, class... P>
at::Tensor apply_backward(const at::Tensor& g, const at::Tensor& s, DF df, P... p) {
  at::Tensor out = empty_like(g);
  apply_backward_into<Act>(out, g, s, df, p...);
  return out;
}

// (gg f'(s), gg g f''(s))
template <template <class> class Act, class DF, class D2F, class... P>
std::tuple<at::Tensor, at::Tensor> apply_double(const at::Tensor& gg, const at::Tensor& g, const at::Tensor& s, DF df,
                                                D2F d2f, P... p) {
  at::Tensor dg = empty_like(g), ds = empty_like(s);
  if constexpr (Act<Vectorized<float>>::linear) {  // gg g f''(s) = 0
    apply_backward_into<Act>(dg, gg, s, df, p...);
    ds.zero_();
    return {dg, ds};
  }
  const Act<Vectorized<float>> a(p...);
  const Act<Vectorized<double>> b(p...);
  auto both = [&](const auto& act) {
    return [&](auto ggv, auto gv, auto sv) ACTLAB_INLINE_LAMBDA { return std::make_pair(ggv * df(act, sv), (ggv * gv) * d2f(act, sv)); };
  };
  run({dg, ds}, {gg, g, s},
      [&](const float* const* in, float* const* o, int64_t n) { map_3_2(in, o, n, both(a)); },
      [&](const double* const* in, double* const* o, int64_t n) { map_3_2(in, o, n, both(b)); },
      Act<Vectorized<float>>::grain);
  return {dg, ds};
}

// gg g f''(s) alone: zeros for a piecewise-linear activation (f'' = 0, as torch: NaN or inf in gg,
// g or s give 0, not NaN * 0)
template <template <class> class Act, class D2F, class... P>
at::Tensor apply_double_x(const at::Tensor& gg, const at::Tensor& g, const at::Tensor& s, D2F d2f, P... p) {
  at::Tensor ds = empty_like(s);
  if constexpr (Act<Vectorized<float>>::linear) {
    ds.zero_();
  } else {
    const Act<Vectorized<float>> a(p...);
    const Act<Vectorized<double>> b(p...);
    auto second = [&](const auto& act) {
      return [&](auto ggv, auto gv, auto sv) ACTLAB_INLINE_LAMBDA { return (ggv * gv) * d2f(act, sv); };
    };
    run({ds}, {gg, g, s},
        [&](const float* const* in, float* const* o, int64_t n) { map_3_1(in, o, n, second(a)); },
        [&](const double* const* in, double* const* o, int64_t n) { map_3_1(in, o, n, second(b)); },
        Act<Vectorized<float>>::grain);
  }
  return ds;
}

constexpr auto kDf = [](const auto& act, auto v) ACTLAB_INLINE_LAMBDA { return act.df(v); };
constexpr auto kD2f = [](const auto& act, auto v) ACTLAB_INLINE_LAMBDA { return act.d2f(v); };
constexpr auto kDfY = [](const auto& act, auto v) ACTLAB_INLINE_LAMBDA { return act.df_y(v); };
constexpr auto kD2fY = [](const auto& act, auto v) ACTLAB_INLINE_LAMBDA { return act.d2f_y(v); };

// The tables of f and f' (tables.h) for the parameter values p and dtype st
template <template <class> class Act, class... P>
Tables tables_of(at::ScalarType st, P... p) {
  using E = Elementwise<Act, P...>;
  return tables_for(
      st, [](const at::Tensor& xs, P... q) { return E::f(xs, q...); },
      [](const at::Tensor& xs, P... q) { return E::backward(ones_like(xs), xs, q...); }, p...);
}

// Whether f and f' come from tables: activations whose math costs more than a lookup
// (Act::tabulate: not the piecewise-linear ones and Hardswish), large contiguous bfloat16/half
template <template <class> class Act>
bool by_table(std::initializer_list<const at::Tensor*> ts) {
  return Act<Vectorized<float>>::tabulate && tabulable(ts);
}

template <template <class> class Act, class... P>
at::Tensor Elementwise<Act, P...>::f(const at::Tensor& x, P... p) {
  at::Tensor out = empty_like(x);
  if (by_table<Act>({&x})) {
    lookup(out, x, tables_of<Act>(x.scalar_type(), p...).f);
  } else {
    apply_f<Act>(out, x, p...);
  }
  return out;
}

template <template <class> class Act, class... P>
at::Tensor& Elementwise<Act, P...>::f_(at::Tensor& x, P... p) {
  if (by_table<Act>({&x})) {
    lookup(x, x, tables_of<Act>(x.scalar_type(), p...).f);
  } else {
    apply_f<Act>(x, x, p...);
  }
  return x;
}

template <template <class> class Act, class... P>
at::Tensor Elementwise<Act, P...>::backward(const at::Tensor& g, const at::Tensor& x, P... p) {
  if (by_table<Act>({&g, &x})) {
    at::Tensor out = empty_like(g);
    lookup_times(out, g, x, tables_of<Act>(x.scalar_type(), p...).df);
    return out;
  }
  return apply_backward<Act>(g, x, kDf, p...);
}

template <template <class> class Act, class... P>
std::tuple<at::Tensor, at::Tensor> Elementwise<Act, P...>::double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                                           const at::Tensor& x, P... p) {
  return apply_double<Act>(gg, g, x, kDf, kD2f, p...);
}

template <template <class> class Act, class... P>
at::Tensor Elementwise<Act, P...>::double_backward_x(const at::Tensor& gg, const at::Tensor& g, const at::Tensor& x,
                                                     P... p) {
  return apply_double_x<Act>(gg, g, x, kD2f, p...);
}

template <template <class> class Act, class... P>
at::Tensor Elementwise<Act, P...>::backward_y(const at::Tensor& g, const at::Tensor& y, P... p) {
  if constexpr (WithOutputForm<Act<Vectorized<float>>>) {
    return apply_backward<Act>(g, y, kDfY, p...);
  } else {
    TORCH_CHECK(false, "actlab: this activation has no derivative written with its output");
  }
}

template <template <class> class Act, class... P>
std::tuple<at::Tensor, at::Tensor> Elementwise<Act, P...>::double_backward_y(const at::Tensor& gg, const at::Tensor& g,
                                                                             const at::Tensor& y, P... p) {
  if constexpr (WithOutputForm<Act<Vectorized<float>>>) {
    return apply_double<Act>(gg, g, y, kDfY, kD2fY, p...);
  } else {
    TORCH_CHECK(false, "actlab: this activation has no derivative written with its output");
  }
}

template <template <class> class Act, class... P>
at::Tensor Elementwise<Act, P...>::double_backward_x_y(const at::Tensor& gg, const at::Tensor& g, const at::Tensor& y,
                                                       P... p) {
  if constexpr (WithOutputForm<Act<Vectorized<float>>>) {
    return apply_double_x<Act>(gg, g, y, kD2fY, p...);
  } else {
    TORCH_CHECK(false, "actlab: this activation has no derivative written with its output");
  }
}

}  // namespace actlab
