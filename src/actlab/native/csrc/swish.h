// Swish's gate x sigma(z), its derivative and second derivative (_math.swish, _swish_prime), shared
// by the gated family (SiLU, Swish, QuickGELU, E-swish, ELiSH, Flatten-T Swish) and dSiLU.
#pragma once

#include <type_traits>

#include "act.h"

namespace actlab {

// x sigma(beta x) (_math.swish), tail x e^z scaled; z_lo (float32
// QuickGELU only) is the rounding error of z = beta x, put back to first order.
template <class V>
ACTLAB_INLINE V swish_f(const V& x, const V& beta, const std::type_identity_t<V>* z_lo, Scalar<V> bound) {
  const V one(1), xc = at::vec::clamp_min(x, V(-bound)), z = beta * xc, zr = beta * x;
  V near;
  if constexpr (is_float<V>) {  // x / (1 + e^{-z}): exact enough for z >= -64 (e^{-z} finite)
    const V e = exp_fast(clamp(zr.neg(), V(-87.0f), V(87.0f))), d = one + e;
    near = z_lo ? (x * fma(e / d, *z_lo, one)) / d : x / d;  // sigma(z + lo) = sigma (1 + sigma(-z) lo)
  } else {
    near = xc * sigmoid_from(zr, vexp(zr.abs().neg()));
  }
  const V tail = z < V(kTail);
  if (!any(tail)) return near;
  V far = exp_tail_times(xc, sel(tail, z, zero<V>()));
  if (z_lo) far = fma(far, *z_lo, far);
  return sel(tail, far, near);
}

// sigma(z) + z sigma'(z) (_swish_prime) = N / (1 + e)^2, e = e^{-|z|}, with one division:
// N = e((1 + z) + e) for z <= 0 (1 + z exact near the zero at -1.28), (1 + e) + z e above
template <class V>
ACTLAB_INLINE V swish_df(const V& z, const std::type_identity_t<V>* z_lo = nullptr) {
  const V one(1), zc = clamp(z, V(-kExpUnderflow), V(kExpUnderflow));
  V e;
  if constexpr (is_float<V>) {
    e = exp_fast(at::vec::maximum(zc.abs().neg(), V(-87.0f)));  // below, e (z e) is under ulp(1)
  } else {
    e = vexp(zc.abs().neg());
  }
  const V d = one + e, d2 = d * d;
  const V neg = zc <= zero<V>();
  V near = sel(neg, e * ((one + min0(zc)) + e), d + zc * e) / d2;
  const V tail = zc < V(kTail);
  if (z_lo) {  // + g'(z) z_lo, g' = sigma'(z) (2 + z (1 - 2 sigma(z)))
    const V ds = e / d2, s = sel(neg, e, one) / d;
    near = fma(ds * (V(2) + zc * (one - V(2) * s)), *z_lo, near);
  }
  if (!any(tail)) return near;
  V far = exp_tail_times(one + zc, sel(tail, zc, zero<V>()));
  if (z_lo) far = fma(far, *z_lo, far);
  return sel(tail, far, near);
}

// (scale sigma'(z)) (2 - z tanh(z/2)): the d2f of SiLU (scale 1), Swish and QuickGELU (beta)
template <class V>
ACTLAB_INLINE V swish_d2f(const V& z, const V* scale = nullptr) {
  const V zc = clamp(z, V(-kExpUnderflow), V(kExpUnderflow));
  const V ds = scale ? *scale * sigmoid_prime(zc) : sigmoid_prime(zc);
  return ds * (V(2) - zc * tanh_expm1(V(0.5) * zc));
}

}  // namespace actlab
