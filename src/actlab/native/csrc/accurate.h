// Accurate float32 building blocks that are faster than Sleef's expm1/log1p/tanh (which cost
// 2.5-3x its exp on AVX2): polynomials on a reduced range (coefficients from
// `python -m actlab.native.fits`, near-minimax in the error of the function they build) and exp.
// The float64 kernels use the declarations' own functions (Sleef, as torch's) instead.
#pragma once

#include <limits>

#include "vec.h"

#if defined(CPU_CAPABILITY_AVX2) || defined(CPU_CAPABILITY_AVX512)
#include <sleef.h>
#endif

namespace actlab {

// tanh x = x + x^3 P(x^2), |x| <= atanh(1/2) (fit error 0.019 ulp)
inline constexpr float kTanhSmall[] = {-0.33333316445350647f, 0.13332544267177582f, -0.0538475476205349f,
                                       0.02105071395635605f, -0.0062428489327430725f};
// expm1 x = x + x^2 P(x), -ln 2 <= x <= 0 (fit error 0.006 ulp)
inline constexpr float kExpm1Small[] = {0.4999999701976776f,   0.1666659116744995f,   0.04166022315621376f,
                                        0.008307740092277527f, 0.001336604473181069f, 0.00014403559907805175f};
// log1p e = e P(e), 0 <= e <= 1 (fit error 0.015 ulp)
inline constexpr float kLog1pUnit[] = {1.0f,
                                       -0.49999988079071045f,
                                       0.33332714438438416f,
                                       -0.24988864362239838f,
                                       0.19899623095989227f,
                                       -0.16135171055793762f,
                                       0.12479529529809952f,
                                       -0.08323895186185837f,
                                       0.042114824056625366f,
                                       -0.013691671192646027f,
                                       0.0020845443941652775f};

// e^r = 1 + r + r^2 P(r), |r| <= ln(2)/2 (fit error 0.002 ulp)
inline constexpr float kExpCore[] = {0.5f, 0.1666666567325592f, 0.041666463017463684f, 0.008333570323884487f,
                                     0.0013935079332441092f, 0.0001974025508388877f};

using Vf = Vectorized<float>;

// 2^k for integral k in [-126, 127]: the float whose exponent field is k + 127
inline Vf pow2i(const Vf& k) {
  const Vf bits = (k + Vf(127.0f)) * Vf(8388608.0f);  // exact: (k + 127) 2^23 < 2^31
  return at::vec::cast<float>(at::vec::convert_to_int_of_same_size(bits));
}

// f e^{y + y_lo} with one rounding of the product (plus the last scaling into the subnormals):
// y = n ln2 + r + r_lo (Cody-Waite, ln2 in 16 + 24 bits; r exact), e^{r + r_lo} = 1 + p,
// f e^r = f + f p (one fma), then
// 2^n in two steps (the first exact). y is clamped to [-120, 88.7]: below, the result is 0.
// y_lo (|y_lo| << 1) carries the rounding error of y, so e.g. e^{-t^2/2} keeps t^2's low part.
inline Vf mul_exp(const Vf& f, const Vf& y, const Vf& y_lo) {
  const Vf yc = clamp(y, Vf(-120.0f), Vf(88.7f));
  const Vf n = (yc * Vf(1.44269504f)).round();
  const Vf r = fma(n, Vf(-0.693145752f), yc);            // exact (Sterbenz)
  Vf r_lo = fma(n, Vf(-1.42860677e-06f), y_lo);         // the rest of r, |r_lo| < 3e-4
  r_lo = fma(r_lo, Vf(0.5f) * r_lo, r_lo);               // e^{r_lo} - 1 (to 1e-11)
  const Vf p0 = fma(r * r, horner(r, kExpCore), r);      // e^r - 1
  const Vf p = fma(r_lo, p0, p0 + r_lo);                 // e^{r + r_lo} - 1
  const Vf n1 = (n * Vf(0.5f)).trunc();
  return (fma(f, p, f) * pow2i(n1)) * pow2i(n - n1);
}

// e^y inline (<= 1.2 ulp, faster than Sleef's call): +inf above 88.72, 0 below -104, NaN stays
inline Vf exp_inline(const Vf& y) {
  return sel(y > Vf(88.72283935546875f), Vf(std::numeric_limits<float>::infinity()), mul_exp(Vf(1.0f), y, Vf(0.0f)));
}

// e^y: exp_inline in float32, Sleef's (torch's) in float64
template <class V>
inline V vexp(const V& y) {
  if constexpr (is_float<V>) {
    return exp_inline(y);
  } else {
    return y.exp();
  }
}

inline Vf sign_bit(const Vf& x) { return x & Vf(-0.0f); }

// expm1(x) for x <= 0 (also -inf, NaN): x + x^2 P(x) on [-ln 2, 0], e^x - 1 below (no
// cancellation there: e^x <= 1/2). <= 1 ulp; -0 gives -0.
inline Vf expm1_neg(const Vf& x) {
  const Vf small = fma(x * x, horner(x, kExpm1Small), x);
  return sel(x >= Vf(-0.69314718f), small, exp_inline(x) - Vf(1.0f)) | sign_bit(x);
}

// log1p(e) for 0 <= e <= 1 (the e = exp(-|x|) of softplus, log-sigmoid): e P(e).
inline Vf log1p_unit(const Vf& e) { return e * horner(e, kLog1pUnit); }

// tanh x: x + x^3 P(x^2) below atanh(1/2), 1 - 2e/(1 + e) (e = exp(-2|x|)) above; sign of x.
inline Vf tanh_accurate(const Vf& x) {
  const Vf a = x.abs(), a2 = a * a;
  const Vf small = fma(a2 * a, horner(a2, kTanhSmall), a);
  const Vf e = exp_inline(Vf(-2.0f) * a);
  const Vf big = Vf(1.0f) - (Vf(2.0f) * e) / (Vf(1.0f) + e);
  return sel(a < Vf(0.5493f), small, big) | sign_bit(x);
}

// erf(x), 1 ulp (Sleef's, which libtorch_cpu exports; at::vec's erf is a 1e-7 absolute approximation)
inline Vf erf_accurate(const Vf& x) {
#if defined(CPU_CAPABILITY_AVX512)
  return Vf(Sleef_erff16_u10(x));
#elif defined(CPU_CAPABILITY_AVX2)
  return Vf(Sleef_erff8_u10(x));
#else
  return x.map([](float v) { return std::erf(v); });
#endif
}

}  // namespace actlab
