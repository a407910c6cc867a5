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
// With t = |x|: 1 - Phi(t) = e^{-t^2/2} R(t), 1/R = 2 + sqrt(2 pi) t + t w(t), w = P/Q a rational
// fit on [0, 15] (python -m actlab.native.fits: fit error 0.27 ulp). Its error reaches R damped
// by |t w| R <= 0.2 (0 at t = 0, where R = 1/2 exactly; 2/(sqrt(2 pi) t) for large t). With
// 1/R = (Q (2 + sqrt(2 pi) t) + tP)/Q, R is one division. e^{-t^2/2} keeps t^2's low part and is
// fused with its factor (mul_exp): the left tail, where torch loses every bit, stays within a few
// ulps (measured: tests/native and `actlab accuracy`).
inline constexpr float kMillsRestP[] = {-0.9108591675758362f, -0.6829672455787659f, -0.24580129981040955f,
                                        -0.047271519899368286f, -0.004174156580120325f};
inline constexpr float kMillsRestQ[] = {1.0f, 1.049785852432251f, 0.5321292877197266f, 0.15576164424419403f,
                                        0.026253091171383858f, 0.002087051747366786f};
inline const Vf kInvSqrt2PiHi(0.3989422917366028f), kInvSqrt2PiLo(-1.133517e-08f);  // 1/sqrt(2 pi)
inline const Vf kSqrt2Pi(2.5066282749176025f);  // sqrt(2 pi), 1e-10 relative: 0.002 ulp

// R(t) = q / den with den = q (2 + sqrt(2 pi) t) + t p
struct Mills {
  Vf q, den;
};

ACTLAB_INLINE Mills mills(const Vf& t) {
  const Vf p = horner(t, kMillsRestP), q = horner(t, kMillsRestQ);
  const Vf lin = fma(kSqrt2Pi, t, Vf(2.0f));  // 2 + sqrt(2 pi) t
  return {q, fma(q, lin, t * p)};
}

// a x Phi(x) = a x (1 - Phi(t)) for x < 0 (rounded once, into the subnormals too: Phish's x GELU(x) in the
// left tail), a (x - x (1 - Phi(t))) above; a = 1: GELU
ACTLAB_INLINE Vf gelu_f_f32(const Vf& x, const Vf& a = Vf(1.0f)) {
  const Vf t = at::vec::clamp_max(x.abs(), Vf(40.0f));
  const Mills m = mills(t);
  const Vf tt = t * t, tl = fma(t, t, tt.neg());  // t^2 exactly
  const Vf xc = clamp(x, Vf(-40.0f), Vf(40.0f));  // mul_exp clamps its exponent: keep its factor small
  const Vf xq = mul_exp_nonpos(a * ((xc * m.q) / m.den), Vf(-0.5f) * tt, Vf(-0.5f) * tl);
  return sel(x <= zero<Vf>(), xq, a * x - xq);  // x Phi(x) has x's sign: -0 from xq
}

// a (Phi(x) + x phi(x)) = a E (x < 0) or a - a E, E = e^{-t^2/2} (R - t/sqrt(2 pi)) = e^{-t^2/2} (q - c t den)/den
// (a E rounded once, into the subnormals too: Phish's x GELU'(x) in the left tail; a = 1: GELU')
ACTLAB_INLINE Vf gelu_df_f32(const Vf& x, const Vf& a = Vf(1.0f)) {
  const Vf t = at::vec::clamp_max(x.abs(), Vf(40.0f));
  const Mills m = mills(t);
  const Vf tden = t * m.den, num = fma(kInvSqrt2PiHi.neg(), tden, m.q) - kInvSqrt2PiLo * tden;
  const Vf tt = t * t, tl = fma(t, t, tt.neg());
  const Vf e = mul_exp_nonpos(a * (num / m.den), Vf(-0.5f) * tt, Vf(-0.5f) * tl);
  return sel(x < zero<Vf>(), e, a - e);
}

template <class V>
ACTLAB_INLINE V normal_cdf(const V& x) {
  return V(0.5) * (x.neg() * V(kSqrtHalf)).erfc();
}

template <class V>
ACTLAB_INLINE V normal_pdf(const V& x) {
  return V(kInvSqrt2Pi) * vexp((V(-0.5) * x) * x);
}

template <class V>
ACTLAB_INLINE V gelu_f(const V& x) {
  const V xc = at::vec::clamp_min(x, V(-kGaussUnderflow));
  if constexpr (is_float<V>) {
    return gelu_f_f32(x);
  } else {
    return xc * normal_cdf(x);
  }
}

template <class V>
ACTLAB_INLINE V gelu_df(const V& x) {
  const V xc = clamp(x, V(-kGaussUnderflow), V(kGaussUnderflow));
  if constexpr (is_float<V>) {
    return gelu_df_f32(x);
  } else {
    return normal_cdf(x) + xc * normal_pdf(xc);
  }
}

template <class V>
ACTLAB_INLINE V gelu_d2f(const V& x) {
  const V xc = clamp(x, V(-kGaussUnderflow), V(kGaussUnderflow));
  return normal_pdf(xc) * (V(2) - xc * xc);
}

// ---- tanh form: x sigma(z), z = 2u = K x (1 + C x^2) ---------------------------------------
// z as hi + lo in float32 (K x + K C x^3 in double-float arithmetic); lo = 0 in float64
template <class V>
ACTLAB_INLINE std::pair<V, V> gelu_tanh_z(const V& xc) {
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
ACTLAB_INLINE V gelu_tanh_f(const V& x) {
  const V xg = clamp(x, V(-kGeluTanhUnderflow), V(kGeluTanhUnderflow));
  const V xc = at::vec::clamp_min(x, V(-kExpUnderflow));
  const auto [z, z_lo] = gelu_tanh_z(xg);
  const V e = vexp(z.abs().neg()), s = sigmoid_from(z, e);
  V near = xc * s;
  if constexpr (is_float<V>) near = xc * fma(sigmoid_prime_from(e), z_lo, s);
  const V tail = z < V(kTail);
  if (!any(tail)) return near;
  V far = exp_tail_times(xc, sel(tail, z, zero<V>()));
  if constexpr (is_float<V>) far = fma(far, z_lo, far);
  return sel(tail, far, near);
}

template <class V>
ACTLAB_INLINE V gelu_tanh_df(const V& x) {
  const V xc = clamp(x, V(-kGeluTanhUnderflow), V(kGeluTanhUnderflow));
  const auto [z, z_lo] = gelu_tanh_z(xc);
  const V dz = V(kGeluTanhK) * (V(1) + V(3.0 * kGeluTanhC) * (xc * xc));
  const V e = vexp(z.abs().neg()), s = sigmoid_from(z, e), sp = sigmoid_prime_from(e);
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
ACTLAB_INLINE V gelu_tanh_d2f(const V& x) {
  const V xc = clamp(x, V(-kGeluTanhUnderflow), V(kGeluTanhUnderflow)), x2 = xc * xc;
  const V z = (V(kGeluTanhK) * xc) * (V(1) + V(kGeluTanhC) * x2);
  const V dz = V(kGeluTanhK) * (V(1) + V(3.0 * kGeluTanhC) * x2);
  const V d2z = V(kGeluTanhK * 6.0 * kGeluTanhC) * xc;
  const V ds = sigmoid_prime(z), d2s = ds.neg() * tanh_expm1(V(0.5) * z);
  return (V(2) * ds) * dz + xc * ((d2s * dz) * dz + ds * d2z);
}

}  // namespace actlab
