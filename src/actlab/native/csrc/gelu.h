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

// ---- exact, float32: x Phi(x) and Phi(x) + x phi(x) --------------------------------------------
// Centre |x| < 1: Phi(x) = 1/2 + x P(x^2). Tails t = |x| >= 1: 1 - Phi(t) = e^{-t^2/2} R(t) with
// R(t) = 1/(sqrt(2 pi) (t + h(t))), h = P/Q (fit error 0.105 ulp): h's error reaches R damped
// by h/(t + h) <= 0.35.
// Coefficients: python -m actlab.native.fits.
inline constexpr float kPhiCentre[] = {0.3989422917366028f,     -0.06649085134267807f,  0.009979531168937683f,
                                       -0.0012221629731357098f, 0.00022483708744402975f, -0.00020648246572818607f,
                                       0.00020439611398614943f, -0.00011249740782659501f, 2.568439595052041e-05f};
inline constexpr float kMillsShiftP[] = {0.7979032397270203f, 0.583044707775116f, 0.2140333354473114f,
                                         0.04371735081076622f, 0.0044993385672569275f};
inline constexpr float kMillsShiftQ[] = {1.0f, 1.1862876415252686f, 0.671623170375824f, 0.22296485304832458f,
                                         0.04371964931488037f, 0.004499304108321667f};
inline const Vf kInvSqrt2PiHi(0.3989422917366028f), kInvSqrt2PiLo(-1.133517e-08f);  // 1/sqrt(2 pi)


// c f for c = 1/sqrt(2 pi) with one rounding
inline Vf times_inv_sqrt_2pi(const Vf& f) { return fma(kInvSqrt2PiHi, f, kInvSqrt2PiLo * f); }

inline Vf gelu_value_f32(const Vf& x) {
  const Vf half(0.5f), t = at::vec::clamp_max(x.abs(), Vf(40.0f));
  const Vf w = x * x, wl = fma(x, x, w.neg());  // x^2 = w + wl
  const Vf pc = horner(w, kPhiCentre);
  const Vf centre = fma(w, pc, half * x) + wl * pc;
  // t/(t + h) = tQ/(tQ + P): one division; the errors of P and Q stay damped by h/(t + h)
  const Vf p = horner(t, kMillsShiftP), q = horner(t, kMillsShiftQ), tt = t * t, tl = fma(t, t, tt.neg());
  const Vf ratio = (t * q) / fma(t, q, p);
  const Vf tq = mul_exp(times_inv_sqrt_2pi(ratio), Vf(-0.5f) * tt, Vf(-0.5f) * tl);  // t (1 - Phi(t))
  const Vf far = sel(x < zero<Vf>(), tq.neg(), x - tq);
  return sel(t < Vf(1.0f), centre, far);
}

inline Vf gelu_slope_f32(const Vf& x) {
  const Vf half(0.5f), one(1.0f), t = at::vec::clamp_max(x.abs(), Vf(40.0f));
  const Vf w = x * x, wl = fma(x, x, w.neg());
  const Vf xphi = mul_exp(times_inv_sqrt_2pi(x), Vf(-0.5f) * w, Vf(-0.5f) * wl);  // x phi(x)
  const Vf centre = fma(x, horner(w, kPhiCentre), xphi) + half;
  // tails: Phi + x phi = g D (x < 0), 1 - g D (x > 0); D = R - t/sqrt(2 pi) = -(t^2 + t h - 1)/(sqrt(2 pi)(t + h))
  const Vf p = horner(t, kMillsShiftP), q = horner(t, kMillsShiftQ), tt = t * t, tl = fma(t, t, tt.neg());
  const Vf d = times_inv_sqrt_2pi(fma(t, p, q * fma(t, t, one.neg())) / fma(t, q, p));  // (Q(t^2-1) + tP)/(tQ + P)
  const Vf gd = mul_exp(d, Vf(-0.5f) * tt, Vf(-0.5f) * tl);  // -g D
  const Vf far = sel(x < zero<Vf>(), gd.neg(), one + gd);
  return sel(t < one, centre, far);
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
    return gelu_value_f32(x);
  } else {
    return xc * normal_cdf(x);
  }
}

template <class V>
inline V gelu_slope(const V& x) {
  const V xc = clamp(x, V(-kGaussUnderflow), V(kGaussUnderflow));
  if constexpr (is_float<V>) {
    return gelu_slope_f32(x);
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
