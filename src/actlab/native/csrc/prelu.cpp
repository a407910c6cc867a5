// PReLU (activations/rectifiers.py): y = x if x > 0 else w x, w one slope (0-d) or one per
// channel shaped (1, C, 1, ...) by the functional layer; backward (g or g w, sum of g x where
// x <= 0 to w's shape). bfloat16/half are computed in float32.
#include "kernels.h"
#include "loop.h"

namespace actlab {
namespace {

bool reduced(const at::Tensor& t) { return t.scalar_type() == at::kBFloat16 || t.scalar_type() == at::kHalf; }

// The one slope of a 1-element weight, read in place on the CPU (item() is a dispatcher call)
double only_value(const at::Tensor& w) {
  if (w.device().is_cpu() && w.scalar_type() == at::kFloat) return *w.const_data_ptr<float>();
  if (w.device().is_cpu() && w.scalar_type() == at::kDouble) return *w.const_data_ptr<double>();
  return w.item<double>();
}

template <class V>
ACTLAB_INLINE V prelu_value(const V& x, const V& w) {
  return sel(x > zero<V>(), x, w * x);
}

}  // namespace

at::Tensor prelu(const at::Tensor& x, const at::Tensor& weight) {
  // bfloat16/half on their storage (two float vectors a load, computed in float32, rounded once):
  // a copy to float32 and back cost 4x torch's forward
  at::Tensor out = empty_like(x);
  if (weight.numel() == 1) {  // one slope: x alone goes through the driver (its flat path when dense)
    const double w = only_value(weight);
    const Vectorized<float> wf(static_cast<float>(w));
    const Vectorized<double> wd(w);
    const auto f32 = [&](const auto* const* in, auto* const* o, int64_t n) ACTLAB_INLINE_LAMBDA {
      map_1_1(in, o, n, [&](auto a) ACTLAB_INLINE_LAMBDA { return prelu_value(a, wf); });
    };
    const HalfBlocks half{f32, f32};
    run({out}, {x}, f32,
        [&](const double* const* in, double* const* o, int64_t n) {
          map_1_1(in, o, n, [&](auto a) ACTLAB_INLINE_LAMBDA { return prelu_value(a, wd); });
        },
        kGrain, &half);
    return out;
  }
  const auto both = [](const auto* const* in, auto* const* o, int64_t n) ACTLAB_INLINE_LAMBDA {
    map_2_1(in, o, n, [](auto a, auto w) ACTLAB_INLINE_LAMBDA { return prelu_value(a, w); });
  };
  const HalfBlocks half{both, both};
  run({out}, {x, weight.expand_as(x)}, both, both, kGrain, &half);
  return out;
}

std::tuple<at::Tensor, at::Tensor> prelu_backward(const at::Tensor& g, const at::Tensor& x, const at::Tensor& weight) {
  if (reduced(x)) {
    auto [gx, gw] = prelu_backward(g.to(at::kFloat), x.to(at::kFloat), weight.to(at::kFloat));
    return {gx.to(x.scalar_type()), gw.to(weight.scalar_type())};
  }
  at::Tensor gx = empty_like(x), gxw = empty_like(x);  // gxw: g x where x <= 0, summed to w below
  auto both = [](auto gv, auto xv, auto w) ACTLAB_INLINE_LAMBDA {
    using V = decltype(gv);
    const V pos = xv > zero<V>();
    return std::make_pair(sel(pos, gv, gv * w), sel(pos, zero<V>(), gv * xv));
  };
  run({gx, gxw}, {g, x, weight.expand_as(x)},
      [&](const float* const* in, float* const* o, int64_t n) { map_3_2(in, o, n, both); },
      [&](const double* const* in, double* const* o, int64_t n) { map_3_2(in, o, n, both); });
  return {gx, gxw.sum_to_size(weight.sizes())};
}

// Derivatives of <ggx, gx> + <ggw, gw> (PReLU.vjp2): d/dg = ggx (x > 0) or ggx w + ggw x,
// d/dx = 0 or ggw g, d/dw = the sum of ggx g where x <= 0
std::tuple<at::Tensor, at::Tensor, at::Tensor> prelu_double_backward(const at::Tensor& ggx, const at::Tensor& ggw,
                                                                     const at::Tensor& g, const at::Tensor& x,
                                                                     const at::Tensor& weight) {
  if (reduced(x)) {
    const auto f = [](const at::Tensor& t) { return t.to(at::kFloat); };
    auto [dg, dx, dw] = prelu_double_backward(f(ggx), f(ggw), f(g), f(x), f(weight));
    return {dg.to(g.scalar_type()), dx.to(x.scalar_type()), dw.to(weight.scalar_type())};
  }
  at::Tensor dg = empty_like(g), dx = empty_like(x), dwx = empty_like(x);  // dwx: summed to w below
  auto terms = [](auto a, auto b, auto gv, auto xv, auto w) ACTLAB_INLINE_LAMBDA {
    using V = decltype(a);
    const V pos = xv > zero<V>();
    return std::make_tuple(sel(pos, a, a * w + b * xv), sel(pos, zero<V>(), b * gv), sel(pos, zero<V>(), a * gv));
  };
  run({dg, dx, dwx}, {ggx, ggw.expand_as(x), g, x, weight.expand_as(x)},
      [&](const float* const* in, float* const* o, int64_t n) { map_5_3(in, o, n, terms); },
      [&](const double* const* in, double* const* o, int64_t n) { map_5_3(in, o, n, terms); });
  return {dg, dx, dwx.sum_to_size(weight.sizes())};
}

}  // namespace actlab
