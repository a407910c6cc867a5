// Accurate float32 building blocks that are faster than Sleef's expm1/log1p/tanh (which cost
// 2.5-3x its exp on AVX2): polynomials on a reduced range (coefficients from
// `python -m actlab.native.fits`, near-minimax in the error of the function they build) and exp.
// The float64 kernels use the declarations' own functions (Sleef, as torch's) instead.
#pragma once

#include <limits>

#include "vec.h"

#if defined(CPU_CAPABILITY_AVX2) || defined(CPU_CAPABILITY_AVX512) || defined(__aarch64__)
#include <sleef.h>
#endif

namespace actlab {

// tanh x = x + x^3 P(x^2), |x| <= atanh(1/2) (fit error 0.019 ulp)
inline constexpr float kTanhSmall[] = {-0.33333316445350647f, 0.13332544267177582f, -0.0538475476205349f,
                                       0.02105071395635605f, -0.0062428489327430725f};
// expm1 x = x + x^2 P(x), -ln 2 <= x <= 0 (fit error 0.006 ulp)
inline constexpr float kExpm1Small[] = {0.4999999701976776f,   0.1666659116744995f,   0.04166022315621376f,
                                        0.008307740092277527f, 0.001336604473181069f, 0.00014403559907805175f};
// log1p e = e (1 + e P(e)), 0 <= e <= 1 (fit error 0.015 ulp)
inline constexpr float kLog1pSlope[] = {-0.49999988079071045f, 0.33332714438438416f,  -0.24988864362239838f,
                                        0.19899623095989227f,  -0.16135171055793762f, 0.12479529529809952f,
                                        -0.08323895186185837f, 0.042114824056625366f, -0.013691671192646027f,
                                        0.0020845443941652775f};
// e^r = 1 + r + r^2 P(r), |r| <= ln(2)/2 (fit error 0.002 ulp)
inline constexpr float kExpCore[] = {0.5f, 0.1666666567325592f, 0.041666463017463684f, 0.008333570323884487f,
                                     0.0013935079332441092f, 0.0001974025508388877f};
// the same one degree less (fit error 0.052 ulp), where the exp is about 1 ulp anyway (exp_fast, mul_exp)
inline constexpr float kExpShort[] = {0.4999999403953552f, 0.1666652113199234f, 0.041668254882097244f,
                                      0.008368662558495998f, 0.001382147427648306f};

using Vf = Vectorized<float>;

// 2^k for integral k in [-126, 127]: the float whose exponent field is k + 127
ACTLAB_INLINE Vf pow2i(const Vf& k) {
  const Vf bits = (k + Vf(127.0f)) * Vf(8388608.0f);  // exact: (k + 127) 2^23 < 2^31
  return at::vec::cast<float>(at::vec::convert_to_int_of_same_size(bits));
}

// m 2^n for integral n in [-300, 300], rounded once (into the subnormals, or to inf): AVX-512's
// vscalefps; elsewhere m 2^n directly where 2^n is a normal float in every lane, else in two steps
// of which the first is exact (m 2^(n/2) is normal for the m of the callers, |m| in [2^-2, 2^2]).
// The same bits either way.
ACTLAB_INLINE Vf scale_pow2(const Vf& m, const Vf& n) {
#if defined(CPU_CAPABILITY_AVX512)
  return Vf(_mm512_scalef_ps(m, n));
#else
  if (any((n < Vf(-126.0f)) | (n > Vf(127.0f)))) {
    const Vf n1 = (n * Vf(0.5f)).trunc();
    return (m * pow2i(n1)) * pow2i(n - n1);
  }
  return m * pow2i(n);
#endif
}

// Cody-Waite: y = n ln2 + r, n = round(y log2(e)), ln2 in 16 + 24 bits (n kLn2Hi is exact)
inline constexpr float kLog2e = 1.44269504f, kLn2Hi = 0.693145752f, kLn2Lo = 1.42860677e-06f;

// The exp core of exp_inline, exp_nonpos_normal, log1p_exp and tanh_accurate: for yc already
// clamped, yc + y_lo = n ln2 + r + r_lo (r exact) and e^{r + r_lo} = h + t, h = 1 + r rounded,
// t small: e^{yc + y_lo} = 2^n (h + t) to about 2^-30 relative.
struct ExpCore {
  Vf n, h, t;
};

ACTLAB_INLINE ExpCore exp_core(const Vf& yc, const Vf& y_lo) {
  const Vf one(1.0f);
  const Vf n = (yc * Vf(kLog2e)).round();
  const Vf r = fma(n, Vf(-kLn2Hi), yc);             // exact (Sterbenz)
  Vf r_lo = fma(n, Vf(-kLn2Lo), y_lo);              // the rest of r, small
  r_lo = fma(r_lo, Vf(0.5f) * r_lo, r_lo);          // e^{r_lo} - 1 (to 1e-11)
  const Vf q = (r * r) * horner(r, kExpCore);       // e^r - 1 - r
  const Vf h = one + r, l = (one - h) + r;          // 1 + r = h + l exactly
  return {n, h, (l + q) + r_lo * (h + q)};          // t = e^{r + r_lo} - h
}

// f e^{yc + y_lo} for yc, y_lo in range (mul_exp, mul_exp_nonpos): yc = n ln2 + r with y_lo folded
// into r (rounded once), e^r - 1 = r + r^2 P(r) = p (the short polynomial), f (1 + p) in one fma,
// then 2^n (one rounding, into the subnormals too)
ACTLAB_INLINE Vf mul_exp_in_range(const Vf& f, const Vf& yc, const Vf& y_lo) {
  const Vf n = (yc * Vf(kLog2e)).round();
  const Vf r = fma(n, Vf(-kLn2Hi), yc) + fma(n, Vf(-kLn2Lo), y_lo);
  return scale_pow2(fma(f, fma(r * r, horner(r, kExpShort), r), f), n);
}

// f e^{y + y_lo} (|y_lo| << 1: the rounding error of y, so that e.g. e^{-t^2/2} keeps t^2's low
// part), <= 1.0 ulp. y is clamped to [-120, 88.7228]: below, the result is 0.
ACTLAB_INLINE Vf mul_exp(const Vf& f, const Vf& y, const Vf& y_lo) {
  return mul_exp_in_range(f, clamp(y, Vf(-120.0f), Vf(88.72283935546875f)), clamp(y_lo, Vf(-0.5f), Vf(0.5f)));
}

// mul_exp for y <= 0 (NaN stays NaN) and a finite |y_lo| << 1 known to the caller: the same bits
// with two clamps fewer
ACTLAB_INLINE Vf mul_exp_nonpos(const Vf& f, const Vf& y, const Vf& y_lo) {
  return mul_exp_in_range(f, at::vec::clamp_min(y, Vf(-120.0f)), y_lo);
}

// log(1 + e^y) for y <= 0 (softplus, log-sigmoid): e^y (1 + s), s = e^y P(e^y) (log1p e / e - 1),
// with e^y = 2^n (h + t) as in mul_exp and (h + t)(1 + s) = h + (t + s (h + t)) rounded once.
ACTLAB_INLINE Vf log1p_exp(const Vf& y) {
  const Vf yc = clamp(y, Vf(-120.0f), Vf(0.0f));
  const auto [n, h, t] = exp_core(yc, Vf(0.0f));
  const Vf m = h + t, e = scale_pow2(m, n);  // e^y
  return scale_pow2(h + fma(m * e, horner(e, kLog1pSlope), t), n);
}

// e^y = eh + el for y in [-120, 0] (clamped by the caller; NaN stays NaN): exp_core's 2^n (h + t)
// normalised, |el| <= ulp(eh), to about 2^-30 relative
ACTLAB_INLINE std::pair<Vf, Vf> exp_split(const Vf& yc) {
  const auto [n, h, t] = exp_core(yc, Vf(0.0f));
  const Vf m = h + t;
  return {scale_pow2(m, n), scale_pow2((h - m) + t, n)};
}

// e^y inline (<= 0.55 ulp, faster than Sleef's call): 2^n (h + t) of exp_core, one scaling
// by 2^n unless 2^n is not a normal float in some lane; +inf above 88.72, 0 below -104, NaN stays
ACTLAB_INLINE Vf exp_inline(const Vf& y) {
  const Vf yc = clamp(y, Vf(-120.0f), Vf(88.72283935546875f));
  const auto [n, h, t] = exp_core(yc, Vf(0.0f));
  const Vf e = scale_pow2(h + t, n);
  return sel(y > Vf(88.72283935546875f), Vf(std::numeric_limits<float>::infinity()), e);
}

// e^y for y in [-87, 0] (NaN stays NaN), where 2^n is a normal float: exp_inline without its
// range checks (<= 0.55 ulp)
ACTLAB_INLINE Vf exp_nonpos_normal(const Vf& y) {
  const auto [n, h, t] = exp_core(y, Vf(0.0f));
  return (h + t) * pow2i(n);
}

// e^y for y in [-87, 87] (NaN stays NaN), <= 0.9 ulp, in about half exp_inline's operations: where
// e^y is rounded again at once (sigmoid 1/(1 + e^-x), x / (1 + e^-x), e/(1 + e)^2) its last
// tenths of an ulp are not seen. y = n ln2 + r (Cody-Waite, r rounded once), e^r = 1 + (r + r^2 P(r))
// rounded once, times 2^n (a normal float: exact).
ACTLAB_INLINE Vf exp_fast(const Vf& y) {
  const Vf n = (y * Vf(kLog2e)).round();
  const Vf r = fma(n, Vf(-kLn2Lo), fma(n, Vf(-kLn2Hi), y));
  return (Vf(1.0f) + fma(r * r, horner(r, kExpShort), r)) * pow2i(n);
}

// e^y: exp_inline in float32, Sleef's (torch's) in float64
template <class V>
ACTLAB_INLINE V vexp(const V& y) {
  if constexpr (is_float<V>) {
    return exp_inline(y);
  } else {
    return y.exp();
  }
}

ACTLAB_INLINE Vf sign_bit(const Vf& x) { return x & Vf(-0.0f); }

// expm1(x) for x <= 0 (also -inf, NaN): x + x^2 P(x) on [-ln 2, 0], e^x - 1 below (no
// cancellation there: e^x <= 1/2). <= 1 ulp; -0 gives -0.
ACTLAB_INLINE Vf expm1_neg(const Vf& x) {
  const Vf small = fma(x * x, horner(x, kExpm1Small), x);
  return sel(x >= Vf(-0.69314718f), small, exp_inline(x) - Vf(1.0f)) | sign_bit(x);
}

// tanh x, <= 0.55 ulp (Sleef's is 1 ulp and slower): x + x^3 P(x^2) below 1/4 (where x^3 P is
// under 2% of the result);
// above, 1 - q with q = 2e/(1 + e), e = e^{-2|x|}, in double-float arithmetic: e as 2^n (h + t)
// (exp_core), 1 + e and 1 - q by TwoSum, q by a division with its residual; one rounding.
ACTLAB_INLINE Vf tanh_accurate(const Vf& x) {
  const Vf one(1.0f), a = x.abs(), a2 = a * a;
  const Vf small = fma(a2 * a, horner(a2, kTanhSmall), a);
  // -2|x| exact; e = eh + el, clamped where tanh rounds to 1 (e and el stay normal: subnormals cost ~6x on Zen 4)
  const auto [eh, el] = exp_split(clamp(Vf(-2.0f) * a, Vf(-40.0f), zero<Vf>()));
  const Vf dh = one + eh, dl = ((one - dh) + eh) + el;  // 1 + e (Fast2Sum: 1 >= e)
  const Vf q0 = (Vf(2.0f) * eh) / dh;
  const Vf ql = (fma(q0.neg(), dh, Vf(2.0f) * eh) + fma(q0.neg(), dl, Vf(2.0f) * el)) / dh;  // q - q0
  const Vf s = one - q0, sl = ((one - s) - q0) - ql;  // 1 - q0 = s + ((1 - s) - q0) exactly (q0 <= 1/2)
  return sel(a < Vf(0.25f), small, s + sl) | sign_bit(x);
}

// log1p(s) for s in [0, 1] (NaN stays NaN): s (1 + s P(s)), the polynomial of log1p_exp (fit error 0.015 ulp)
ACTLAB_INLINE Vf log1p_unit(const Vf& s) { return fma(s * s, horner(s, kLog1pSlope), s); }

// tanh E and sech^2 E for E >= 0 (NaN stays NaN) from t = e^{-2E} alone: m = expm1(-2E) (expm1_neg's
// polynomial where -2E >= -ln 2, t - 1 below), tanh E = -m / (2 + m) and sech^2 E = 4t / (2 + m)^2, one
// division (tanh_accurate and a separate sech^2 cost three exponentials and three divisions). -2E is clamped to
// -80 (t a normal float: subnormals cost ~6x on Zen 4): beyond E = 40 tanh E = 1 and sech^2 E = 4e^{-80}, not smaller
ACTLAB_INLINE std::pair<Vf, Vf> tanh_sech2_nonneg(const Vf& e) {
  const Vf a = at::vec::maximum(Vf(-2.0f) * e, Vf(-80.0f)), t = exp_inline(a);
  const Vf m = sel(a >= Vf(-0.69314718f), fma(a * a, horner(a, kExpm1Small), a), t - Vf(1.0f));
  const Vf r = Vf(1.0f) / (Vf(2.0f) + m);
  return {m.neg() * r, (Vf(4.0f) * t) * (r * r)};
}

// tanh E for E >= 0 (NaN stays NaN), <= 1.5 ulp with one division: E + E^3 P(E^2) below atanh(1/2) (tanh_accurate's
// polynomial); above, m = e^{-2E} - 1 = s + ml exactly (e^{-2E} = th + tl by exp_split, s = th - 1 with 1 + s exact)
// and tanh E = -m / (2 + m) = (-s - ml) / ((2 + s) + ml), 2 + s exact
ACTLAB_INLINE Vf tanh_nonneg(const Vf& e) {
  const Vf e2 = e * e, small = fma(e2 * e, horner(e2, kTanhSmall), e);
  const auto [th, tl] = exp_split(at::vec::maximum(Vf(-2.0f) * e, Vf(-40.0f)));  // tanh = 1 beyond: normal floats
  const Vf s = th - Vf(1.0f), ml = (th - (s + Vf(1.0f))) + tl;
  return sel(e < Vf(0.54930615f), small, (s.neg() - ml) / ((Vf(2.0f) + s) + ml));
}

// erf(x), 1 ulp (Sleef's, which libtorch_cpu exports; at::vec's erf is a 1e-7 absolute approximation)
ACTLAB_INLINE Vf erf_accurate(const Vf& x) {
#if defined(CPU_CAPABILITY_AVX512)
  return Vf(Sleef_erff16_u10(x));
#elif defined(CPU_CAPABILITY_AVX2)
  return Vf(Sleef_erff8_u10(x));
#elif defined(__aarch64__)
  return Vf(Sleef_erff4_u10(x));
#else
  return x.map([](float v) { return std::erf(v); });
#endif
}

}  // namespace actlab
