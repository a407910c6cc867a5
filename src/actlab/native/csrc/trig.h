// sin and cos for the kernels, and sin(a x), cos(a x) of a float product.
//
// vsin, vcos: Sleef's u10 (torch's) in float32; in float64 the C library's lane by lane (correctly
// rounded but for rare cases, as torch's MKL: forms that cancel near their zeros, such as GCU's
// cos x - x sin x, show Sleef's 1 ulp there).
//
// sin_cos_of_product(a, x, t = a x): in float32 a x is carried as t + tl (tl = fma(a, x, -t), exact)
// and sin t, cos t are corrected to first order by tl, so that a rounded argument does not cost
// |a x| ulps (the float64 declarations compute a x exactly); where t overflows but x is finite, from
// a x / 4 (sin 4u, cos 4u by the double-angle formulas). float64: of the rounded product, as the
// declarations' torch.sin/cos of it.
#pragma once

#include <cmath>
#include <limits>
#include <utility>

#include "vec.h"

namespace actlab {

template <class V>
ACTLAB_INLINE V vsin(const V& x) {
  if constexpr (is_float<V>) {
    return x.sin();
  } else {
    return x.map([](double v) { return std::sin(v); });
  }
}

template <class V>
ACTLAB_INLINE V vcos(const V& x) {
  if constexpr (is_float<V>) {
    return x.cos();
  } else {
    return x.map([](double v) { return std::cos(v); });
  }
}

// sin and cos of t + tl, |tl| <= ulp(t) / 2 (t finite; NaN for inf and NaN)
template <class V>
ACTLAB_INLINE std::pair<V, V> sin_cos_corrected(const V& t, const V& tl) {
  const V sn = vsin(t), cs = vcos(t);
  return {fma(cs, tl, sn), fma(sn.neg(), tl, cs)};
}

template <class V>
ACTLAB_INLINE std::pair<V, V> sin_cos_of_product(const V& a, const V& x, const V& t) {
  if constexpr (is_float<V>) {
    const V inf(std::numeric_limits<float>::infinity());
    const V fin = t.abs() < inf;
    auto [sn, cs] = sin_cos_corrected(t, sel(fin, fma(a, x, t.neg()), zero<V>()));
    const V over = (t.abs() == inf) & (x.abs() < inf) & (a.abs() < inf);
    if (any(over)) {
      const V a4 = a * V(0.25f), u = a4 * x;
      const auto [su, cu] = sin_cos_corrected(u, fma(a4, x, u.neg()));
      const V s2 = V(2.0f) * (su * cu), c2 = (cu - su) * (cu + su);
      sn = sel(over, V(2.0f) * (s2 * c2), sn);
      cs = sel(over, (c2 - s2) * (c2 + s2), cs);
    }
    return {sn, cs};
  } else {
    return {vsin(t), vcos(t)};
  }
}

// sin(a x) alone: Sleef's sin of t where every lane's product is exact (tl = 0: a = 1 or a power of 2, the
// common case, skips the cosine of the first-order correction), else sin_cos_of_product's (-0 stays -0)
template <class V>
ACTLAB_INLINE V sin_of_product(const V& a, const V& x, const V& t) {
  if constexpr (is_float<V>) {
    const V exact = (t.abs() < V(std::numeric_limits<float>::infinity())) & (fma(a, x, t.neg()) == zero<V>());
    if (all(exact)) return vsin(t);
  }
  return sin_cos_of_product(a, x, t).first;
}

}  // namespace actlab
