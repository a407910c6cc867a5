// The sigmoidal family (activations/sigmoidal.py): Sigmoid, Tanh, Softsign, Hardsigmoid,
// Hardtanh, LogSigmoid; dSiLU, ISRU, SQNL, Elliott, ArcTan, LeCunTanh, PenalizedTanh, CLogLog, SoftClipping.
#include <bit>

#include "act.h"
#include "elementwise_impl.h"
#include "scaled.h"
#include "split_gate_impl.h"
#include "accurate.h"
#include "isru.h"
#include "swish.h"

namespace actlab {

// sigma(x), sigma' = sigma(x) sigma(-x) = e/(1+e)^2, sigma'' = -sigma' tanh(x/2); e = exp(-|x|)
template <class V>
struct Sigmoid : Act<V> {
  ACTLAB_INLINE V f(V x) const { return sigmoid(x); }
  ACTLAB_INLINE V df(V x) const { return sigmoid_prime(x); }
  ACTLAB_INLINE V d2f(V x) const { return sigmoid_prime(x).neg() * tanh_expm1(V(0.5) * x); }
};

// tanh x (float32: tanh_accurate, <= 0.55 ulp; float64: the declaration's expm1 form),
// tanh' = sech^2 x, tanh'' = -2 tanh x sech^2 x
template <class V>
struct Tanh : Act<V> {
  ACTLAB_INLINE V f(V x) const { return vtanh(x); }
  ACTLAB_INLINE V df(V x) const { return sech2(x); }
  ACTLAB_INLINE V d2f(V x) const { return (V(-2) * tanh_expm1(x)) * sech2(x); }
};

// x / (1 + |x|) (+-1 at +-inf), f' = 1/(1+|x|)^2, f'' = -2 sign(x) / (1+|x|)^3
template <class V>
struct Softsign : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    const V a = x.abs();
    return sel(a == V(INFINITY), sign(x), x / (V(1) + a));
  }
  ACTLAB_INLINE V df(V x) const {
    const V d = V(1) + x.abs();
    return V(1) / (d * d);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V d = V(1) + x.abs();
    return (V(-2) * sign(x)) / ((d * d) * d);
  }
};

// clamp(x + 3, 0, 6) / 6;  f' = 1/6 on (-3, 3) (0 at +-3);  with y: 1/6 on 0 < y < 1
template <class V>
struct Hardsigmoid : Piecewise<V> {
  V sixth = this->c(1.0 / 6.0);
  ACTLAB_INLINE V f(V x) const { return clamp(x + V(3), zero<V>(), V(6)) / V(6); }
  ACTLAB_INLINE V df(V x) const { return sel((x > V(-3)) & (x < V(3)), sixth, zero<V>()); }
  ACTLAB_INLINE V d2f(V) const { return zero<V>(); }
  ACTLAB_INLINE V df_y(V y) const { return sel((y > zero<V>()) & (y < V(1)), sixth, zero<V>()); }
  ACTLAB_INLINE V d2f_y(V) const { return zero<V>(); }
};

// clamp(x, lo, hi);  f' = [lo < x < hi] (1 at NaN, as torch)
template <class V>
struct Hardtanh : Piecewise<V> {
  V lo, hi;
  Hardtanh(double min_val, double max_val) : lo(this->c(min_val)), hi(this->c(max_val)) {}
  ACTLAB_INLINE V f(V x) const { return clamp(x, lo, hi); }
  ACTLAB_INLINE V df(V x) const { return sel((x <= lo) | (x >= hi), zero<V>(), V(1)); }
  ACTLAB_INLINE V d2f(V) const { return zero<V>(); }
  ACTLAB_INLINE V df_y(V y) const { return df(y); }
  ACTLAB_INLINE V d2f_y(V) const { return zero<V>(); }
};

// log sigma(x) = min(x, 0) - log1p(e^-|x|);  f' = sigma(-x);  f'' = -sigma'(x)
template <class V>
struct LogSigmoid : Act<V> {
  ACTLAB_INLINE V f(V x) const { return min0(x) - log1p_exp_neg_abs(x); }
  ACTLAB_INLINE V df(V x) const { return sigmoid(x.neg()); }
  ACTLAB_INLINE V d2f(V x) const { return sigmoid_prime(x).neg(); }
};

// ---- the squashing functions of the literature. Declarations that compute float32 in float64 have
// float32 kernels on accurate.h's primitives; where the float64 declaration keeps a scaled argument
// b x exact, the float32 kernel carries its rounding b x - z as z_lo (scaled_arg) and puts it back.

// z = b x rounded and its rounding error z_lo = b x - z (b = b_hi + b_lo), to first order
template <class V>
ACTLAB_INLINE V scaled_arg_lo(const V& b_hi, const V& b_lo, const V& x, const V& z) {
  return fma(b_hi, x, z.neg()) + b_lo * x;
}

// dSiLU = SiLU': sigma(x)(1 + x sigma(-x));  f' = SiLU'';  f'' = sigma'(d(3 + x d) - 2x sigma'), d = sigma(-x) - sigma(x)
// dSiLU'(x) = P(x^2), |x| <= 1 (python -m actlab.native.fits: fit error 0.02 ulp)
inline constexpr float kDsiluSlopeSmall[] = {0.5f, -0.2499999701976776f, 0.06249941140413284f, -0.011801717802882195f,
                                             0.0019105445826426148f, -0.00026763760251924396f, 2.548871088947635e-05f};

template <class V>
struct DSiLU : Act<V> {
  ACTLAB_INLINE V f(V x) const { return swish_df(x); }
  // float32: P(x^2) for |x| <= 1, e ((2 - a) + e (2 + a)) / (1 + e)^3 above, a = |x|, e = e^-a = eh + el,
  // 1 + e = dh + dl exactly;
  // (2 - a) e^-a scaled beyond a = 64 (no double rounding in the subnormals)
  ACTLAB_INLINE V df(V x) const {
    const V one(1), a = at::vec::clamp_max(x.abs(), V(kExpUnderflow)), tail = a > V(-kTail);
    V near;
    if constexpr (is_float<V>) {
      const auto [eh, el] = exp_split(at::vec::maximum(a.neg(), V(-120.0f)));
      const V num = fma(eh, a, fma(eh, V(2), V(2) - a)) + el * (V(2) + a);
      const V dh = one + eh, dl = ((one - dh) + eh) + el;
      const V q = fma(el, num, eh * num) / ((dh * dh) * dh), small = a <= V(1);
      near = fma(q, (V(-3) * dl) / dh, q);
      if (any(small)) near = sel(small, horner(x * x, kDsiluSlopeSmall), near);
    } else {  // the declaration's sigma'(x) (2 + x (sigma(-x) - sigma(x)))
      const V w = clamp(x, V(-kExpUnderflow), V(kExpUnderflow));
      near = sigmoid_prime(w) * (V(2) + w * (sigmoid(w.neg()) - sigmoid(w)));
    }
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(V(2) - a, sel(tail, a.neg(), zero<V>())), near);
  }
  // d = sigma(-x) - sigma(x) = -tanh(x/2) (no cancellation near 0; float32 there: f'' = -x/2 + x^3/4 + O(x^5))
  ACTLAB_INLINE V d2f(V x) const {
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), ds = sigmoid_prime(xc);
    if constexpr (is_float<V>) {
      const V d = vtanh(V(0.5f) * xc).neg(), small = xc.abs() < V(0x1p-7f);
      const V y = ds * (d * (V(3) + xc * d) - (V(2) * xc) * ds);
      return sel(small, xc * fma(V(0.25f), xc * xc, V(-0.5f)), y);
    } else {
      const V d = tanh_expm1(V(0.5) * xc).neg();
      return ds * (d * (V(3) + xc * d) - (V(2) * xc) * ds);
    }
  }
};

// ISRU: x / s, s = hypot(1, sqrt(alpha) x) (+-1/sqrt(alpha) at +-inf);  f' = 1/s^3;  f'' = -3 alpha (x/s) / s^4
template <class V>
struct ISRU : Act<V> {
  IsruRoot<V> r;
  explicit ISRU(double a) : r(a) {}
  ACTLAB_INLINE V f(V x) const { return r.x_over(x, r.s(x)); }
  ACTLAB_INLINE V df(V x) const { return r.inv_cube(x); }
  ACTLAB_INLINE V d2f(V x) const { return r.d2f(x); }
};

// SQNL: a (1 - |a|/4), a = clamp(x, -2, 2);  f' = 1 - |a|/2;  f'' = -1/2 on [0, 2], 1/2 on [-2, 0), 0 beyond
template <class V>
struct SQNL : Cheap<V> {
  ACTLAB_INLINE V f(V x) const {
    const V a = clamp(x, V(-2), V(2));
    return a * (V(1) - V(0.25) * a.abs());
  }
  ACTLAB_INLINE V df(V x) const { return V(1) - V(0.5) * clamp(x, V(-2), V(2)).abs(); }
  ACTLAB_INLINE V d2f(V x) const {
    return sel(x.abs() > V(2), zero<V>(), sel(x >= zero<V>(), V(-0.5), V(0.5)));  // 1/2 at NaN, as the declaration
  }
};

// Elliott: 1/(2(1 - x)) for x < 0, 1 - 1/(2(1 + x)) above;  f' = 1/(2(1 + |x|)^2);  f'' = -sign(x)/(1 + |x|)^3
template <class V>
struct Elliott : Cheap<V> {
  ACTLAB_INLINE V f(V x) const {
    return sel(x < zero<V>(), V(0.5) / (V(1) - min0(x)), V(1) - V(0.5) / (V(1) + max0(x)));
  }
  ACTLAB_INLINE V df(V x) const {
    const V d = V(1) + x.abs();
    return V(0.5) / (d * d);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V d = V(1) + x.abs();
    return sign(x).neg() / ((d * d) * d);
  }
};

// arctan x (Sleef's, as torch);  f' = 1/(1 + x^2) = t^2/(1 + t^2), t = 1/x for |x| > 1;  f'' = -2 x/(1 + x^2)^2
template <class V>
struct ArcTan : Act<V> {
  ACTLAB_INLINE static std::pair<V, V> big_t(const V& x) {
    const V big = x.abs() > V(1);
    return {big, sel(big, V(1) / sel(big, x, V(1)), x)};
  }
  ACTLAB_INLINE V f(V x) const { return x.atan(); }
  ACTLAB_INLINE V df(V x) const {
    const auto [big, t] = big_t(x);
    const V t2 = t * t;
    return sel(big, t2, V(1)) / (V(1) + t2);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const auto [big, t] = big_t(x);
    const V t2 = t * t, r = t / (V(1) + t2);
    return ((V(-2) * r) * sel(big, t2, V(1))) / (V(1) + t2);
  }
};

inline constexpr double kLecunA = 1.7159, kLecunB = 2.0 / 3.0;

// LeCunTanh: A tanh(B x);  f' = A B sech^2(B x);  f'' = -2 A B^2 tanh(B x) sech^2(B x). float32: z = B x
// rounded, sech^2(z + lo) = sech^2(z)(1 - 2 tanh(z) lo) (tanh(z) ~ sign(z) where lo matters)
template <class V>
struct LeCunTanh : Act<V> {
  V a = this->c(kLecunA), b = this->c(kLecunB), ab = this->c(kLecunA * kLecunB);
  V b_lo = this->c(kLecunB - static_cast<double>(static_cast<Scalar<V>>(kLecunB)));
  ACTLAB_INLINE V lo(V x) const {  // the rounding of B x (x clamped: finite; tanh is flat beyond)
    const V xc = clamp(x, V(-1000), V(1000));
    return scaled_arg_lo(b, b_lo, xc, b * xc);
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {
      const V z = b * x, t = vtanh(z), l = lo(x);
      return a * sel(l == zero<V>(), t, fma(sech2(z), l, t));  // tanh(z + lo) = tanh z + sech^2 z lo; -0 stays
    } else {
      return a * vtanh(b * x);
    }
  }
  ACTLAB_INLINE V df(V x) const {
    const V z = b * x, s2 = sech2(z);
    if constexpr (is_float<V>) {
      return ab * fma(s2 * (V(-2) * sign(z)), lo(x), s2);
    } else {
      return ab * s2;
    }
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V z = b * x;
    return (this->c(-2.0 * kLecunA * kLecunB * kLecunB) * tanh_expm1(z)) * sech2(z);
  }
};

// PenalizedTanh: tanh x for x > 0, a tanh x below;  f' = sech^2 x (a below);  f'' = -2 tanh x sech^2 x (a below)
template <class V>
struct PenalizedTanh : Act<V> {
  V a;
  explicit PenalizedTanh(double av) : a(this->c(av)) {}
  ACTLAB_INLINE V factor(V x) const { return sel(x > zero<V>(), V(1), a); }
  ACTLAB_INLINE V f(V x) const { return vtanh(x) * factor(x); }
  ACTLAB_INLINE V df(V x) const { return sech2(x) * factor(x); }
  ACTLAB_INLINE V d2f(V x) const { return ((V(-2) * tanh_expm1(x)) * sech2(x)) * factor(x); }
};

inline constexpr double kCloglogFlat = 40.0;

// CLogLog: 1 - exp(-e^x) (x >= 0), -expm1(-e^x) below;  f' = exp(x - e^x);  f'' = -f' expm1(x).
// float32: x - e^x in double-float arithmetic (e^x = 2^n (h + t), exp_core), so that f' keeps its
// relative accuracy where e^x is large (e^{-e^x} amplifies the rounding of e^x e^x times)
template <class V>
struct CLogLog : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    const V e = vexp(x), pos = x >= zero<V>();
    return sel(pos, V(1) - vexp(e.neg()), expm1_nonpos(sel(pos, zero<V>(), e).neg()).neg());
  }
  ACTLAB_INLINE V df(V x) const {
    const V w = at::vec::clamp_max(x, V(kCloglogFlat));
    if constexpr (is_float<V>) {
      const V wc = clamp(w, V(-120.0f), V(kCloglogFlat));
      const auto [n, h, t] = exp_core(wc, zero<V>());
      const V m = h + t, eh = scale_pow2(m, n), el = scale_pow2((h - m) + t, n);  // e^w = eh + el (up to e^40)
      const V y = wc - eh, bb = y - wc, err = (wc - (y - bb)) + (eh.neg() - bb);  // TwoSum(wc, -eh)
      return mul_exp(V(1), y, err - el);
    } else {
      return exp_libm(w - exp_libm(w));  // e^{-e^w} amplifies the rounding of e^w e^w times
    }
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V w = at::vec::clamp_max(x, V(kCloglogFlat));
    if constexpr (is_float<V>) {
      return vexp(w - vexp(w)).neg() * w.expm1();
    } else {
      return exp_libm(w - exp_libm(w)).neg() * w.expm1();
    }
  }
};

// log1p(s) for s >= 0 (NaN stays NaN, +inf stays +inf), about 1 ulp, without Sleef's log1p (slower): below 1
// s (1 + s P(s)) (log1p_unit); above, 1 + s = h + l (Fast2Sum), h = 2^k m with m in [1, 2) read from its bits, and
// log1p(s) = k ln 2 + log1p_unit(m - 1) + l/h (m - 1 exact; no cancellation: the terms but l/h are >= 0)
ACTLAB_INLINE Vf log1p_nonneg(const Vf& s) {
  const Vf one(1.0f);
  if (!any(s >= one)) return log1p_unit(s);  // SoftClipping with alpha < 2 ln 2: s < 1 always
  const Vf h = s + one, l = one - (h - s);
  const Vf exp_bits = h & Vf(std::bit_cast<float>(0x7f800000u)), mant = h & Vf(std::bit_cast<float>(0x007fffffu));
  const Vf k = fma(at::vec::convert_to_fp_of_same_size<float>(at::vec::cast<int32_t>(exp_bits)), Vf(1.0f / 8388608.0f),
                   Vf(-127.0f));  // (k + 127) 2^23, the exponent field as an integer, exactly
  const Vf big = fma(k, Vf(kLn2Hi), log1p_unit((mant | one) - one) + fma(k, Vf(kLn2Lo), l / h));
  return sel(s < one, log1p_unit(s), sel(s == Vf(std::numeric_limits<float>::infinity()), s, big));
}

// SoftClipping: (1/alpha) log((1 + e^{alpha x}) / (1 + e^{alpha (x - 1)})) = low(x) = (1/alpha) log1p(K e^{alpha x}),
// K = -expm1(-alpha) / (1 + e^{alpha (x - 1)}), for x <= 1/2, 1 - low(1 - x) above;  f' = -expm1(-alpha) sigma(alpha x)
// sigma(alpha (1 - x));  f'' = alpha f' (sigma(-alpha x) - sigma(alpha (x - 1))). float32: y = alpha x carried as
// y + y_lo into mul_exp's exponent; f' = k e^m / ((1 + e^m)(1 + e^{m - alpha})) with m = min(alpha x, alpha (1 - x))
// (the sigmoid in its tail, whose argument's rounding it amplifies |m| times) as hi + lo, one rounding
template <class V>
struct SoftClipping : Act<V> {
  V alpha, alpha_lo, k, e_neg;
  explicit SoftClipping(double a)
      : alpha(this->c(a)), alpha_lo(this->c(a - static_cast<double>(static_cast<Scalar<V>>(a)))),
        k(this->c(-std::expm1(-a))), e_neg(this->c(std::exp(-a))) {}
  // alpha t = y + y_lo (t finite)
  ACTLAB_INLINE std::pair<V, V> scaled(const V& t) const {
    const V y = alpha * t;
    return {y, fma(alpha, t, y.neg()) + alpha_lo * t};
  }
  ACTLAB_INLINE V low(const V& t) const {
    if constexpr (is_float<V>) {
      const auto [y, y_lo] = scaled(at::vec::clamp_min(t, V(-1e30f)));
      // k e^{y + y_lo} (one rounding, into the subnormals) and w beside it, not after: the division by 1 + w is exact
      // where k e^y is subnormal (w < 2^-24 there)
      const V w = exp_fast(at::vec::maximum(y - alpha, V(-87.0f)));
      return log1p_nonneg(mul_exp(k, y, y_lo) / (V(1) + w)) / alpha;
    } else {
      return ((vexp(alpha * t) * k) / (V(1) + vexp(alpha * (t - V(1))))).log1p() / alpha;
    }
  }
  ACTLAB_INLINE V f(V x) const {
    const V below = x <= V(0.5), lo = low(sel(below, x, V(1) - x));
    return sel(below, lo, V(1) - lo);
  }
  ACTLAB_INLINE V df(V x) const {
    if constexpr (is_float<V>) {
      const auto [y, y_lo] = scaled(clamp(x, V(-1e30f), V(1e30f)));
      // m = min(y, alpha - y) + its low part (alpha = alpha + alpha_lo exactly; alpha - y by TwoSum)
      const V s = alpha - y, bb = s - alpha, s_lo = ((alpha - (s - bb)) + (y.neg() - bb)) + (alpha_lo - y_lo);
      const V first = y <= s, m = sel(first, y, s), m_lo = sel(first, y_lo, s_lo);
      const V em = exp_fast(at::vec::maximum(m, V(-87.0f)));
      return mul_exp(k / ((V(1) + em) * fma(em, e_neg, V(1))), m, m_lo);
    } else {
      return (k * sigmoid(alpha * x)) * sigmoid(alpha * (V(1) - x));
    }
  }
  // sigma(z): float32 by exp_inline (1 ulp; e^z below -80), float64 by the C library's exp (as torch's, MKL's: d2f's
  // difference cancels)
  ACTLAB_INLINE static V sig(const V& z) {
    if constexpr (is_float<V>) {
      const V s = V(1.0f) / (V(1.0f) + exp_inline(at::vec::minimum(z.neg(), V(87.0f)))), low = z < V(-80.0f);
      return any(low) ? sel(low, exp_inline(z), s) : s;
    } else {
      const V e = exp_libm(z.abs().neg());
      return sel(z >= zero<V>(), V(1), e) / (V(1) + e);
    }
  }
  // float32 where |u| < 1.5, u = alpha (2x - 1) (sigma(-alpha x) - sigma(alpha (x - 1)) cancels near x = 1/2):
  // f'' = alpha k e_a (-expm1(u)) / ((1 + e_a)(1 + e_b))^2, e_a = e^{-|alpha x|}, e_b = e^{-alpha (1 - x)} (from
  // sigma(p) - sigma(q) = sigma(p) sigma(-q) (-expm1(q - p)), no cancellation); else and in float64 the declaration's
  ACTLAB_INLINE V d2f(V x) const {
    const V p = (alpha * x).neg(), q = alpha * (x - V(1)), d1 = (k * sig(alpha * x)) * sig(alpha * (V(1) - x));
    V out = (alpha * d1) * (sig(p) - sig(q));
    if constexpr (is_float<V>) {
      const V u = q - p, m = expm1_neg(u.abs().neg()), near = u.abs() < V(1.5f);
      if (any(near)) {
        const V em1 = sel(u <= zero<V>(), m, sel(u < V(0.69314718f), m.neg() / (V(1) + m), exp_inline(u) - V(1)));
        const V ea = exp_inline(p.abs().neg()), eb = exp_inline(at::vec::minimum(q, V(87.0f)));
        const V d = (V(1) + ea) * (V(1) + eb);
        out = sel(near, ((alpha * k) * ea) * em1.neg() / (d * d), out);
      }
    }
    return out;
  }
};

template struct Elementwise<Sigmoid>;
template struct Elementwise<Tanh>;
template struct Elementwise<Softsign>;
template struct Elementwise<Hardsigmoid>;
template struct Elementwise<Hardtanh, double, double>;
template struct Elementwise<LogSigmoid>;
template struct Elementwise<DSiLU>;
template struct Elementwise<ISRU, double>;
template struct Elementwise<SQNL>;
template struct Elementwise<Elliott>;
template struct Elementwise<ArcTan>;
template struct Elementwise<LeCunTanh>;
template struct Elementwise<PenalizedTanh, double>;
template struct Elementwise<CLogLog>;
template struct Elementwise<SoftClipping, double>;
template struct SplitGate<Sigmoid>;

// GammaAct's kernels for timm's names of this family (scaled.h)
ACTLAB_SCALED(Sigmoid)
ACTLAB_SCALED(Tanh)
ACTLAB_SCALED(Softsign)
ACTLAB_SCALED(LogSigmoid)
ACTLAB_SCALED(Hardsigmoid)

}  // namespace actlab
