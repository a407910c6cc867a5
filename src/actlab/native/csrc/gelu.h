// GELU's gates (activations/gated.py: _gelu, _gelu_prime, GELU.d2f): the exact x Phi(x) and the
// tanh form x sigma(2u). float64: the declaration's formulas. float32 (where the declaration
// computes in float64): the argument of the gate is carried as hi + lo so that the left tail,
// which amplifies its rounding |z| times, stays within a few ulps.
#pragma once

#include "act.h"

namespace actlab {

inline constexpr double kSqrtHalf = 0.70710678118654752440;
inline constexpr double kInvSqrt2Pi = 0.3989422804014327;
inline constexpr double kTwoOverSqrtPi = 1.1283791670955126;
inline constexpr double kGaussUnderflow = 40.0;
inline constexpr double kGeluTanhUnderflow = 30.0;
inline constexpr double kGeluTanhC = 0.044715;
inline constexpr double kGeluTanhK = 1.5957691216057308;  // 2 sqrt(2/pi)

// ---- exact: Phi(x) = erfc(-x/sqrt 2)/2, phi(x) = e^{-x^2/2}/sqrt(2 pi) ----------------------------
struct Gauss {
  Vf cdf;  // Phi(x)
  Vf g;    // e^{-x^2/2}
};

// Phi and e^{-x^2/2} in float32: x^2 = h + l exactly (fma), e^{-x^2/2} = e^{-h/2}(1 - l/2);
// u = -x/sqrt2 = u + u_lo and erfc(u + u_lo) = erfc(u) - 2/sqrt(pi) e^{-u^2} u_lo.
inline Gauss gauss_f32(const Vf& x) {
  const Vf xc = clamp(x, Vf(-40.0f), Vf(40.0f)), nx = xc.neg();
  const Vf c_hi(0.70710677f), c_lo(1.2101617e-08f);
  const Vf u = nx * c_hi, u_lo = fma(nx, c_hi, u.neg()) + nx * c_lo;
  const Vf h = xc * xc, l = fma(xc, xc, h.neg());
  const Vf e = (Vf(-0.5f) * h).exp(), g = fma(e, Vf(-0.5f) * l, e);
  const Vf cdf = Vf(0.5f) * fma(Vf(-1.1283791670955126f) * g, u_lo, u.erfc());
  return {cdf, g};
}

template <class V>
inline V normal_cdf(const V& x) {
  return V(0.5) * (x.neg() * V(kSqrtHalf)).erfc();
}

template <class V>
inline V normal_pdf(const V& x) {
  return V(kInvSqrt2Pi) * ((V(-0.5) * x) * x).exp();
}

template <class V>
inline V gelu_value(const V& x) {
  const V xc = at::vec::clamp_min(x, V(-kGaussUnderflow));
  if constexpr (is_float<V>) {
    return xc * gauss_f32(x).cdf;
  } else {
    return xc * normal_cdf(x);
  }
}

template <class V>
inline V gelu_slope(const V& x) {
  const V xc = clamp(x, V(-kGaussUnderflow), V(kGaussUnderflow));
  if constexpr (is_float<V>) {
    const Gauss p = gauss_f32(x);
    return p.cdf + xc * (V(kInvSqrt2Pi) * p.g);
  } else {
    return normal_cdf(x) + xc * normal_pdf(xc);
  }
}

template <class V>
inline V gelu_curvature(const V& x) {
  const V xc = clamp(x, V(-kGaussUnderflow), V(kGaussUnderflow));
  return normal_pdf(xc) * (V(2) - xc * xc);
}

// ---- tanh form: x sigma(z), z = 2u = K x (1 + C x^2) ---------------------------------------
// z as hi + lo in float32 (K x + K C x^3 in double-float arithmetic); lo = 0 in float64
template <class V>
inline std::pair<V, V> gelu_tanh_z(const V& xc) {
  if constexpr (is_float<V>) {
    const Vf k(1.59576917f), k_lo(-4.534068e-08f), k3(0.071354814f), k3_lo(2.3988324e-09f);
    const Vf h = xc * xc, l = fma(xc, xc, h.neg());
    const Vf h3 = h * xc, l3 = fma(h, xc, h3.neg()) + l * xc;  // x^3 = h3 + l3
    const Vf a = k * xc, a_lo = fma(k, xc, a.neg()) + k_lo * xc;
    const Vf b = k3 * h3, b_lo = fma(k3, h3, b.neg()) + (k3 * l3 + k3_lo * h3);
    const Vf z = a + b, bb = z - a, err = (a - (z - bb)) + (b - bb);  // TwoSum
    return {z, err + (a_lo + b_lo)};
  } else {
    const V x2 = xc * xc;
    return {(V(kGeluTanhK) * xc) * (V(1) + V(kGeluTanhC) * x2), zero<V>()};
  }
}

template <class V>
inline V gelu_tanh_value(const V& x) {
  const V xg = clamp(x, V(-kGeluTanhUnderflow), V(kGeluTanhUnderflow));
  const V xc = at::vec::clamp_min(x, V(-kExpUnderflow));
  const auto [z, z_lo] = gelu_tanh_z(xg);
  const V e = z.abs().neg().exp(), s = sigmoid_from(z, e);
  V near = xc * s;
  if constexpr (is_float<V>) near = xc * fma(sigmoid_prime_from(e), z_lo, s);
  const V tail = z < V(kTail);
  if (!any(tail)) return near;
  V far = exp_tail_times(xc, sel(tail, z, zero<V>()));
  if constexpr (is_float<V>) far = fma(far, z_lo, far);
  return sel(tail, far, near);
}

template <class V>
inline V gelu_tanh_slope(const V& x) {
  const V xc = clamp(x, V(-kGeluTanhUnderflow), V(kGeluTanhUnderflow));
  const auto [z, z_lo] = gelu_tanh_z(xc);
  const V dz = V(kGeluTanhK) * (V(1) + V(3.0 * kGeluTanhC) * (xc * xc));
  const V e = z.abs().neg().exp(), s = sigmoid_from(z, e), sp = sigmoid_prime_from(e);
  V near = s + (xc * sp) * dz;
  if constexpr (is_float<V>) {  // sigma(z + lo) = s + sp lo, sigma'(z + lo) = sp (1 + (1 - 2s) lo)
    const V sp_c = fma(sp * (V(1) - V(2) * s), z_lo, sp);
    near = fma(sp, z_lo, s) + (xc * sp_c) * dz;
  }
  const V tail = z < V(kTail);
  if (!any(tail)) return near;
  V far = exp_tail_times(V(1) + xc * dz, sel(tail, z, zero<V>()));
  if constexpr (is_float<V>) far = fma(far, z_lo, far);
  return sel(tail, far, near);
}

template <class V>
inline V gelu_tanh_curvature(const V& x) {
  const V xc = clamp(x, V(-kGeluTanhUnderflow), V(kGeluTanhUnderflow)), x2 = xc * xc;
  const V z = (V(kGeluTanhK) * xc) * (V(1) + V(kGeluTanhC) * x2);
  const V dz = V(kGeluTanhK) * (V(1) + V(3.0 * kGeluTanhC) * x2);
  const V d2z = V(kGeluTanhK * 6.0 * kGeluTanhC) * xc;
  const V ds = sigmoid_prime(z), d2s = ds.neg() * tanh_expm1(V(0.5) * z);
  return (V(2) * ds) * dz + xc * ((d2s * dz) * dz + ds * d2z);
}

}  // namespace actlab
