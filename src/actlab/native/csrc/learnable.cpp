// The learnable family's kernels (activations/learnable.py), learnable (kinds.Parametric) ops on
// parametric_impl.h: SoftExponential, PELU, MPELU, SReLU, AReLU, ACON, and the coefficient ones APL, PAU,
// Rational. Where the declarations compute float32 in float64 (so that x/b and
// beta x are exact before the exponential), the float32 kernels carry the argument as hi + lo
// (the lo part by an FMA residual) and put it back to first order: e^{t + tl} = e^t (1 + tl).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "accurate.h"
#include "act.h"
#include "compensated.h"
#include "parametric_impl.h"
#include "swish.h"

namespace actlab {

// e^t - 1 and e^t for t <= 0 (NaN stays NaN), t + tl the argument; float64: tl is 0
template <class V>
ACTLAB_INLINE std::pair<V, V> expm1_exp(const V& t, const V& tl) {
  if constexpr (is_float<V>) {
    const V e0 = exp_inline(t), m0 = sel(t >= V(-0.69314718f), expm1_neg(t), e0 - V(1.0f));
    return {fma(e0, tl, m0), fma(e0, tl, e0)};
  } else {
    return {t.expm1(), t.exp()};
  }
}

// the rounding error of q = x / b (float32; 0 where q is not finite), and of t = a x
template <class V>
ACTLAB_INLINE V quotient_residual(const V& q, const V& x, const V& b) {
  if constexpr (is_float<V>) {
    return sel(q.abs() < V(std::numeric_limits<float>::infinity()), fma(q.neg(), b, x) / b, zero<V>());
  } else {
    return zero<V>();
  }
}

template <class V>
ACTLAB_INLINE V product_residual(const V& t, const V& a, const V& x) {
  if constexpr (is_float<V>) {
    return sel(t.abs() < V(std::numeric_limits<float>::infinity()), fma(a, x, t.neg()), zero<V>());
  } else {
    return zero<V>();
  }
}

// exp_core's three parts as a tuple (assigned with std::tie)
ACTLAB_INLINE std::tuple<Vf, Vf, Vf> exp_core_tuple(const Vf& yc, const Vf& y_lo) {
  const ExpCore c = exp_core(yc, y_lo);
  return {c.n, c.h, c.t};
}

// SoftExponential's series (learnable.py's _H1, _H2): h1(t) = sum (m+1) t^m/(m+2)!, h2(s) = sum (m+1)/(m+2) s^m;
// float32 to 2^-25 on |t| < 1, |s| < 1/4 (11 and 14 terms), float64 the declaration's 24 and 40
inline constexpr double kSoftExpH1[] = {
    0.5, 0.3333333333333333, 0.125, 0.03333333333333333, 0.006944444444444444, 0.0011904761904761906,
    0.00017361111111111112, 2.2045855379188714e-05, 2.48015873015873e-06, 2.505210838544172e-07,
    2.296443268665491e-08, 1.9270852604185937e-09, 1.4911969277048643e-10, 1.0706029224547743e-11,
    7.169215998581078e-13, 4.498331606952833e-14, 2.6552651846596585e-15, 1.4797143443923793e-16,
    7.809603484293113e-18, 3.9145882126782523e-19, 1.8683261924146203e-20, 8.509974375387505e-22,
    3.706996413521072e-23, 1.5472680682522736e-24};
inline constexpr float kSoftExpH1f[] = {0.5f, 0.33333334f, 0.125f, 0.033333335f, 0.0069444445f, 0.0011904762f,
                                        0.00017361112f, 2.2045855e-05f, 2.4801588e-06f, 2.5052108e-07f, 2.2964432e-08f};
inline constexpr double kSoftExpH2[] = {
    0.5, 0.6666666666666666, 0.75, 0.8, 0.8333333333333334, 0.8571428571428571, 0.875, 0.8888888888888888, 0.9,
    0.9090909090909091, 0.9166666666666666, 0.9230769230769231, 0.9285714285714286, 0.9333333333333333, 0.9375,
    0.9411764705882353, 0.9444444444444444, 0.9473684210526315, 0.95, 0.9523809523809523, 0.9545454545454546,
    0.9565217391304348, 0.9583333333333334, 0.96, 0.9615384615384616, 0.9629629629629629, 0.9642857142857143,
    0.9655172413793104, 0.9666666666666667, 0.967741935483871, 0.96875, 0.9696969696969697, 0.9705882352941176,
    0.9714285714285714, 0.9722222222222222, 0.972972972972973, 0.9736842105263158, 0.9743589743589743, 0.975,
    0.975609756097561};
inline constexpr float kSoftExpH2f[] = {0.5f,        0.6666667f,  0.75f,       0.8f,        0.8333333f,
                                        0.85714287f, 0.875f,      0.8888889f,  0.9f,        0.90909094f,
                                        0.9166667f,  0.9230769f,  0.9285714f,  0.93333334f};

// h1'(t) = sum m(m+1) t^(m-1)/(m+2)! and h2'(s) = sum m(m+1)/(m+2) s^(m-1) (learnable.py's _H1P, _H2P): the
// double backward's d2f/da2; float32 to about 2^-26 on |t| < 1, |s| < 1/4 (12 and 17 terms), float64 the declaration's
inline constexpr double kSoftExpH1P[] = {
    0.3333333333333333, 0.25, 0.1, 0.027777777777777776, 0.005952380952380952, 0.0010416666666666667,
    0.00015432098765432098, 1.984126984126984e-05, 2.2546897546897547e-06, 2.296443268665491e-07,
    2.1197937864604532e-08, 1.789436313245837e-09, 1.3917837991912066e-10, 1.0036902398013508e-11,
    6.74749741042925e-13, 4.2484242954554536e-14, 2.515514385467045e-15, 1.4057286271727604e-16,
    7.437717604088679e-18, 3.7366523848292405e-19, 1.787094618831376e-20, 8.1553921097463585e-22,
    3.5587165569802293e-23};
inline constexpr float kSoftExpH1Pf[] = {0.33333334f,   0.25f,          0.1f,          0.027777778f,
                                         0.005952381f,  0.0010416667f,  0.000154321f,  1.9841269e-05f,
                                         2.2546897e-06f, 2.2964433e-07f, 2.1197938e-08f, 1.7894363e-09f};
inline constexpr double kSoftExpH2P[] = {
    0.6666666666666666, 1.5, 2.4, 3.3333333333333335, 4.285714285714286, 5.25, 6.222222222222222, 7.2,
    8.181818181818182, 9.166666666666666, 10.153846153846153, 11.142857142857142, 12.133333333333333, 13.125,
    14.117647058823529, 15.11111111111111, 16.105263157894736, 17.1, 18.095238095238095, 19.09090909090909,
    20.08695652173913, 21.083333333333332, 22.08, 23.076923076923077, 24.074074074074073, 25.071428571428573,
    26.06896551724138, 27.066666666666666, 28.06451612903226, 29.0625, 30.060606060606062, 31.058823529411764,
    32.05714285714286, 33.05555555555556, 34.054054054054056, 35.05263157894737, 36.05128205128205, 37.05,
    38.048780487804876, 39.04761904761905};
inline constexpr float kSoftExpH2Pf[] = {0.6666667f, 1.5f,       2.4f,       3.3333333f, 4.285714f, 5.25f,
                                         6.2222223f, 7.2f,       8.181818f,  9.166667f,  10.153846f, 11.142858f,
                                         12.133333f, 13.125f,    14.117647f, 15.111111f, 16.105263f};

// A series sum_i c_i t^i in V's precision: float32's coefficients (fewer terms) by FMA Horner, float64's
// by FMA Horner or (Unfused) with the declaration's roundings (acc * t + c)
template <bool Unfused, class V, std::size_t NF, std::size_t ND>
ACTLAB_INLINE V series_of(const V& t, const float (&cf)[NF], const double (&cd)[ND]) {
  if constexpr (is_float<V>) {
    return horner(t, cf);
  } else if constexpr (Unfused) {
    return horner_unfused(t, cd);
  } else {
    return horner(t, cd);
  }
}

template <class V>
ACTLAB_INLINE V soft_exp_h1p(const V& t) {
  return series_of<true>(t, kSoftExpH1Pf, kSoftExpH1P);
}

template <class V>
ACTLAB_INLINE V soft_exp_h2p(const V& t) {
  return series_of<true>(t, kSoftExpH2Pf, kSoftExpH2P);
}

template <class V>
ACTLAB_INLINE V soft_exp_h1(const V& t) {
  return series_of<false>(t, kSoftExpH1f, kSoftExpH1);
}

template <class V>
ACTLAB_INLINE V soft_exp_h2(const V& t) {
  return series_of<false>(t, kSoftExpH2f, kSoftExpH2);
}

// SoftExponential: (e^{ax} - 1)/a + a (a > 0), x (a = 0), -log(u)/a, u = 1 - a(x + a) (a < 0: NaN for
// u < 0, -inf at u = 0); df/dx = e^{ax} resp. 1/u; df/da = 1 + x^2 h1(ax) resp. 1/u + (x + a)^2 h2(a(x + a))
// (series where |ax| < 1 resp. |a(x + a)| < 1/4, else (e^t (t - 1) + 1)/a^2 resp. (log u + 1/u - 1)/a^2),
// NaN where u <= 0. The branch by the sign of a, per lane (one a per channel: one branch per vector).
// float32 without float64: exponential branch f = e^{t + tl}/a + (a - 1/a), e^{t + tl} = 2^n (h + l)
// (exp_core, t + tl = a x exactly), 1/a and a - 1/a as hi + lo, the sum by TwoSum (it cancels at the
// zero of f, a x = log(1 - a^2)); logarithmic branch u = 1 - a(x + a) as hi + lo (TwoSum and FMA residuals,
// exact near the edge u = 0), log u = log uh + ul/uh, 1/u = (1/uh)(1 - ul/uh)
template <class V>
struct SoftExponential : Act<V> {
  static constexpr std::size_t K = 1;
  using S = Scalar<V>;
  V alpha, pos, neg, ae, ap, an, inv, inv_lo, c, c_lo, ninv, ninv_lo, an2_inv, small, k, k_lo, t0, t0_lo;
  bool all_pos, all_neg, all_zero, all_small = false, any_small = false;
  explicit SoftExponential(const V* w) : alpha(w[0]) {
    const V one(S(1));
    pos = alpha > zero<V>();
    neg = alpha < zero<V>();
    ae = sel(neg, zero<V>(), alpha);
    ap = sel(pos, alpha, one);
    an = sel(neg, alpha, one.neg());
    inv = one / ap;
    ninv = one / an.neg();
    an2_inv = one / (an * an);
    if constexpr (is_float<V>) {
      inv_lo = fma(inv.neg(), ap, one) / ap;
      ninv_lo = fma(ninv, an, one) / an.neg();
      const auto [ch, cl] = two_sum(ap, inv.neg());
      c = ch;
      c_lo = cl - inv_lo;
      // 0 < a < 1: t0 = log(1 - a^2) and k = (1 - a^2)/a as hi + lo, once per channel (in double)
      small = pos & (alpha < V(1.0f));
      all_small = all(small);
      any_small = any(small);
      if (any_small) {
        float al[V::size()], th[V::size()], tlo[V::size()], kh[V::size()], klo[V::size()];
        alpha.store(al);
        for (int i = 0; i < V::size(); ++i) {
          const double av = al[i] > 0.0f && al[i] < 1.0f ? al[i] : 0.5, q = 1.0 - av * av;
          const double lt = std::log1p(-av * av), kv = q / av;
          th[i] = static_cast<float>(lt);
          tlo[i] = static_cast<float>(lt - th[i]);
          kh[i] = static_cast<float>(kv);
          klo[i] = static_cast<float>(kv - kh[i]);
        }
        t0 = V::loadu(th);
        t0_lo = V::loadu(tlo);
        k = V::loadu(kh);
        k_lo = V::loadu(klo);
      }
    } else {
      inv_lo = ninv_lo = c_lo = zero<V>();
      c = ap - inv;
    }
    all_pos = all(pos);
    all_neg = all(neg);
    all_zero = all(alpha == zero<V>());
  }

  // the exponential branch (ap: a where a > 0); t = a x (0 where a = 0), its exp e^{t + tl}
  struct ExpPart {
    V t, e, f;
  };
  ACTLAB_INLINE ExpPart exp_part(const V& x, bool with_f) const {
    const V t = sel((alpha == zero<V>()) & (x.abs() == V(std::numeric_limits<S>::infinity())), zero<V>(), ae * x);
    if constexpr (is_float<V>) {
      const V inf(std::numeric_limits<float>::infinity());
      const V tc = clamp(t, V(-150.0f), V(150.0f));
      const V tl = sel((tc == t) & (x.abs() < inf), fma(ae, x, t.neg()), zero<V>());
      V e = zero<V>(), f = zero<V>(), n, h, l;
      if (!with_f || !all_small) {  // e^{t + tl} = 2^n (h + l): df/dx, and f for a >= 1
        std::tie(n, h, l) = exp_core_tuple(tc, tl);
        e = scale_pow2(h + l, n);
      }
      if (with_f) {
        // a >= 1: e^{t + tl}/a + (a - 1/a), two terms >= 0; a < 1: k expm1(t + tl - t0), k = (1 - a^2)/a,
        // t0 = log(1 - a^2) (f's zero: no cancellation)
        V f_big = zero<V>(), f_small = zero<V>();
        if (!all_small) {
          const V mh = h * inv, ml = fma(h, inv, mh.neg()) + (h * inv_lo + l * inv);
          const V ph = scale_pow2(mh, n), pl = scale_pow2(ml, n);
          const auto [sh, sl] = two_sum(ph, c);
          f_big = sel(ph.abs() == inf, ph, sh + ((sl + pl) + c_lo));
        }
        if (any_small) {
          const auto [dd, de] = two_sum(t, t0.neg());
          const V d = clamp(dd, V(-150.0f), V(150.0f)), dl = sel(d == dd, (de + tl) - t0_lo, zero<V>());
          const auto [dn, dh, dt] = exp_core(d, dl);
          const V eh = scale_pow2(dh, dn);
          const auto [mh, ml] = two_sum(eh, V(-1.0f));
          const V m = sel(eh.abs() == inf, eh, mh + (ml + scale_pow2(dt, dn)));  // expm1(d + dl)
          f_small = fma(k, m, k_lo * m);
          f_small = sel(m.abs() == inf, k * m, f_small);
        }
        f = all_small ? f_small : any_small ? sel(small, f_small, f_big) : f_big;
        f = sel(x == inf, inf, f);
      }
      return {tc, e, f};
    } else {
      return {t, t.exp(), with_f ? t.expm1() / ap + ap : zero<V>()};
    }
  }

  // the logarithmic branch (an: a where a < 0): u = uh + ul, r = 1/uh, log u, s = a(x + a)
  struct LogPart {
    V uh, ul, r, log_u, s, xa;
  };
  ACTLAB_INLINE LogPart log_part(const V& x) const {
    const V one(S(1));
    if constexpr (is_float<V>) {
      const V inf(std::numeric_limits<float>::infinity());
      const auto [xh, xl0] = two_sum(x, an);
      const V fin = xh.abs() < inf, xl = sel(fin, xl0, zero<V>());
      const V sh = an * xh, sl = sel(fin, fma(an, xh, sh.neg()) + an * xl, zero<V>());
      const auto [uh0, ul0] = two_sum(one, sh.neg());
      V ul = sel(fin, ul0 - sl, zero<V>());
      const V hit = uh0 == zero<V>();  // u's high part 0: u is its low part
      const V uh = sel(hit, ul, uh0);
      ul = sel(hit, zero<V>(), ul);
      const V r = one / uh, corr = sel(ul == zero<V>(), zero<V>(), ul * r);
      return {uh, ul, r, uh.log() + corr, sh, xh};
    } else {
      const V xa = x + an, s = an * xa, u = one - s;
      return {u, zero<V>(), one / u, s.neg().log1p(), s, xa};
    }
  }

  ACTLAB_INLINE V log_f(const LogPart& lp) const {
    if constexpr (is_float<V>) {
      const V p = lp.log_u * ninv;
      return sel(p.abs() < V(std::numeric_limits<float>::infinity()), fma(lp.log_u, ninv, lp.log_u * ninv_lo), p);
    } else {
      return lp.log_u * ninv;  // -log1p(-s)/a
    }
  }

  ACTLAB_INLINE V f(V x) const {
    if (all_zero) return x;
    if (all_pos) return exp_part(x, true).f;
    if (all_neg) return log_f(log_part(x));
    const V y_exp = exp_part(x, true).f, y_log = log_f(log_part(x));
    return sel(pos, y_exp, sel(neg, y_log, x));
  }

  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    if (all_zero) {  // a = 0: df/dx = 1 (NaN for NaN), df/da = 1 + x^2 h1(0)
      gw[0] = g * (V(S(1)) + (x * x) * V(S(0.5)));
      return sel(x.isnan(), x, g);
    }
    V dx, da;
    if (all_neg) {
      std::tie(dx, da) = log_d(x);
    } else if (all_pos || all_zero) {
      std::tie(dx, da) = exp_d(x);
    } else {
      const auto [lx, la] = log_d(x);
      const auto [ex, ea] = exp_d(x);
      dx = sel(neg, lx, ex);
      da = sel(neg, la, ea);
    }
    gw[0] = g * da;
    return g * dx;
  }

  // df/dx, df/da of the exponential branch (a >= 0)
  ACTLAB_INLINE std::pair<V, V> exp_d(const V& x) const {
    const V one(S(1));
    const ExpPart ep = exp_part(x, false);
    const V small = ep.t.abs() < one, ts = sel(small, ep.t, zero<V>());
    const V closed = sel(ep.e == zero<V>(), one, fma(ep.e, ep.t - one, one)) * (inv * inv);
    return {ep.e, one + sel(small, (x * x) * soft_exp_h1(ts), closed)};
  }

  // 1/u and s/u = 1/u - 1; float32: 1/(uh + ul) = r + rl (r = 1/uh, rl from the residual of uh r), s/u =
  // (r - 1) + rl (r - 1 exact for u in [1/2, 2], where log u + s/u cancels); float64 the declaration's s/u
  ACTLAB_INLINE std::pair<V, V> inverse(const LogPart& lp) const {
    const V one(S(1));
    if constexpr (is_float<V>) {
      const V rl = lp.r * (fma(lp.uh.neg(), lp.r, one) - lp.ul * lp.r);
      const V inf(std::numeric_limits<float>::infinity()), fin = (lp.r.abs() < inf) & (lp.uh.abs() < inf);
      const V rlf = sel(fin, rl, zero<V>());
      return {lp.r + rlf, (lp.r - one) + rlf};
    } else {  // at u = inf (x = inf) the limit -1, not inf/inf
      return {lp.r, sel(lp.uh.abs() == V(std::numeric_limits<S>::infinity()), lp.r - one, lp.s / lp.uh)};
    }
  }
  // df/dx, df/da of the logarithmic branch (a < 0), NaN where u <= 0
  ACTLAB_INLINE std::pair<V, V> log_d(const V& x) const {
    const V nan(std::numeric_limits<S>::quiet_NaN());
    const LogPart lp = log_part(x);
    const V inside = lp.uh > zero<V>();
    const auto [inv_u, su] = inverse(lp);
    const V near = lp.s.abs() < V(S(0.25)), ss = sel(near, lp.s, zero<V>());
    const V closed = (lp.log_u + su) * an2_inv;  // (log u + s/u)/a^2
    const V da = inv_u + sel(near, (lp.xa * lp.xa) * soft_exp_h2(ss), closed);
    return {sel(inside, inv_u, nan), sel(inside, da, nan)};
  }

  // The double backward's partials of one branch: f_x, f_a, f_xx, f_xa, f_aa
  struct Second {
    V fx, fa, h00, h01, h11;
  };
  // a >= 0: f_xx = a e, f_xa = x e (0 where e = 0), f_aa = x^3 h1'(t) (series below |t| = 1, else
  // (e (t^2 - 2t + 2) - 2)/a^3, e (...) 0 where e = 0); f_x, f_a as exp_d (from the same e^{t + tl})
  ACTLAB_INLINE Second exp_second(const V& x) const {
    const V one(S(1)), two(S(2));
    const ExpPart ep = exp_part(x, false);
    const V t = ep.t, e = ep.e, small = t.abs() < one, ts = sel(small, t, zero<V>()), gone = e == zero<V>();
    const V closed = sel(gone, one, fma(e, t - one, one)) * (inv * inv);
    const V fa = one + sel(small, (x * x) * soft_exp_h1(ts), closed);
    const V poly = sel(gone, zero<V>(), e * ((t * t - two * t) + two)) - two;
    const V closed3 = is_float<V> ? poly * ((inv * inv) * inv) : poly / ((ap * ap) * ap);
    const V h11 = sel(small, ((x * x) * x) * soft_exp_h1p(ts), closed3);
    return {e, fa, ae * e, sel(gone, zero<V>(), x * e), h11};
  }
  // a < 0: f_xx = a/u^2, f_xa = (x + 2a)/u^2 (0 at x = inf), f_aa = (x + 2a)/u^2 + 2(x + a) h2(s) +
  // (x + a)^2 h2'(s) (x + 2a), the series below |s| = 1/4, else 2(x + a) h2 = 2 core/(a s), (x + a)^2 h2' =
  // ((s/u)^2 - 2 core)/(a^2 s), core = log u + s/u (s/u = 1/u - 1); NaN where u <= 0
  ACTLAB_INLINE Second log_second(const V& x) const {
    const V one(S(1)), two(S(2)), nan(std::numeric_limits<S>::quiet_NaN());
    const LogPart lp = log_part(x);
    const V inside = lp.uh > zero<V>();
    const auto [inv_u, su] = inverse(lp);
    const V near = lp.s.abs() < V(S(0.25)), ss = sel(near, lp.s, zero<V>()), xa = lp.xa, core = lp.log_u + su;
    const V fa = inv_u + sel(near, (xa * xa) * soft_exp_h2(ss), core * an2_inv);
    const V x2a = x + two * an, sf = sel(near, V(S(0.5)), lp.s);
    const V h01 = sel(inv_u == zero<V>(), zero<V>(), (x2a * inv_u) * inv_u);
    const V s2u2 = is_float<V> ? su * su : (lp.s * lp.s) / (lp.uh * lp.uh);
    const V two_h2 = sel(near, (two * xa) * soft_exp_h2(ss), (two * core) / (an * sf));
    const V x2h2p = sel(near, (xa * xa) * soft_exp_h2p(ss), (s2u2 - two * core) / ((an * an) * sf));
    const V h11 = ((x2a * inv_u) * inv_u + two_h2) + x2h2p * x2a;
    const V h00 = (an * inv_u) * inv_u;
    return {sel(inside, inv_u, nan), sel(inside, fa, nan), sel(inside, h00, nan), sel(inside, h01, nan),
            sel(inside, h11, nan)};
  }
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    Second d;
    if (all_zero) {  // f_x = 1, f_a = 1 + x^2/2, f_xx = 0, f_xa = x, f_aa = x^3/3 (NaN for NaN)
      const V nan_x = sel(x.isnan(), x, zero<V>());
      d = {sel(x.isnan(), x, V(S(1))), V(S(1)) + (x * x) * V(S(0.5)), nan_x, x, ((x * x) * x) * V(S(kSoftExpH1P[0]))};
    } else if (all_neg) {
      d = log_second(x);
    } else if (all_pos) {
      d = exp_second(x);
    } else {
      const Second l = log_second(x), e = exp_second(x);
      d = {sel(neg, l.fx, e.fx), sel(neg, l.fa, e.fa), sel(neg, l.h00, e.h00), sel(neg, l.h01, e.h01),
           sel(neg, l.h11, e.h11)};
    }
    dg = d.fx * tx + d.fa * tw[0];
    gw[0] = g * (d.h01 * tx + d.h11 * tw[0]);
    return g * (d.h00 * tx + d.h01 * tw[0]);
  }
};
template struct ParametricOps<SoftExponential, std::make_index_sequence<1>>;

// PELU: (a/b) x (x >= 0), a expm1(x/b) (x < 0); df/dx = (a/b) e, df/da = x/b resp. expm1(x/b),
// df/db = -a x e / b^2, e = e^{x/b} on the left, 1 on the right (x e = 0 where e underflows).
// float32: a/b as hi + lo (once per channel), df/dx = (a/b) e^{x/b} with e as hi + lo (exp_split):
// rounded once, as the declaration's float64 value (near the subnormals by mul_exp)
template <class V>
struct PELU : Act<V> {
  static constexpr std::size_t K = 2;
  V a, b, a_over_b, a_over_b_lo, minus_a, b2;
  explicit PELU(const V* w)
      : a(w[0]), b(w[1]), a_over_b(w[0] / w[1]), minus_a(w[0].neg()), b2(w[1] * w[1]) {
    a_over_b_lo = is_float<V> ? fma(a_over_b.neg(), b, a) / b : zero<V>();
  }
  ACTLAB_INLINE V f(V x) const {
    const V q = x / b;
    const V m = expm1_exp(min0(q), quotient_residual(q, x, b)).first;
    const V right = sel(x.abs() == V(std::numeric_limits<Scalar<V>>::infinity()), a_over_b * x,
                        fma(a_over_b, x, a_over_b_lo * x));
    return sel(x >= zero<V>(), right, a * m);
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const V pos = x >= zero<V>(), q = x / b, ql = sel(pos, zero<V>(), quotient_residual(q, x, b));
    const auto [m, e0] = expm1_exp(sel(pos, zero<V>(), q), ql);
    const V e = sel(pos, V(1), e0), xe = sel(e == zero<V>(), zero<V>(), x * e);
    gw[0] = g * sel(pos, q, m);
    gw[1] = g * ((minus_a * xe) / b2);
    if constexpr (is_float<V>) {  // (a/b) e^{q + ql}, e^q = eh + el: one rounding
      const auto [eh0, el0] = exp_split(clamp(sel(pos, zero<V>(), q), V(-120.0f), zero<V>()));
      const V eh = sel(pos, V(1.0f), eh0), el = sel(pos, zero<V>(), fma(eh0, ql, el0));
      const V p = a_over_b * eh, pl = fma(a_over_b, eh, p.neg()) + (a_over_b * el + a_over_b_lo * eh);
      const V tiny = p.abs() < V(0x1p-120f);  // near the subnormals: (a/b) e^q rounded once by mul_exp
      const V d = any(tiny) ? sel(tiny, mul_exp_nonpos(a_over_b, min0(q), ql), p + pl) : p + pl;
      return g * d;
    } else {
      return g * (a_over_b * e);
    }
  }
  // f_xx = (a/b^2) e (left), f_x,a = e/b, f_x,b = -(a/b^2) e (1 + q) (left; -a/b^2 right), f_a,b = -x e/b^2,
  // f_b,b = a x e (2 + q)/b^3 (left; 2ax/b^3 right), q = x/b. float32: f_x from vjp (rounded once), f_xx =
  // f_x/b, 1 + q and 2 + q as (1 + q) + ql (exact near their zeros); float64 the declaration's operations
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    const V one(Scalar<V>(1)), two(Scalar<V>(2)), pos = x >= zero<V>(), b3 = b2 * b;
    V h00, h01, h02, h12, h22;
    if constexpr (is_float<V>) {
      V fw[2];
      const V d0 = vjp(one, x, fw), q = x / b, ql = sel(pos, zero<V>(), quotient_residual(q, x, b));
      const V e = sel(pos, one, expm1_exp(sel(pos, zero<V>(), q), ql).second);
      const V xe = sel(e == zero<V>(), zero<V>(), x * e), gone = e == zero<V>();
      dg = (d0 * tx + fw[0] * tw[0]) + fw[1] * tw[1];
      h00 = sel(pos, zero<V>(), d0 / b);
      h01 = e / b;
      h02 = sel(pos, minus_a / b2, sel(gone, zero<V>(), (minus_a * e) * ((one + q) + ql) / b2));
      h12 = xe.neg() / b2;
      h22 = sel(pos, a * (two * xe) / b3, sel(gone, zero<V>(), (a * xe) * ((two + q) + ql) / b3));
    } else {
      const V q = sel(pos, zero<V>(), x / b), e = q.exp(), xe = sel(e == zero<V>(), zero<V>(), x * e);
      const V d0 = a_over_b * e, d1 = sel(pos, x / b, q.expm1()), d2 = (minus_a * xe) / b2;
      dg = (d0 * tx + d1 * tw[0]) + d2 * tw[1];
      h00 = sel(pos, zero<V>(), (a / b2) * e);
      h01 = e / b;
      h02 = (minus_a / b2) * (e + sel(pos, zero<V>(), xe / b));
      h12 = xe.neg() / b2;
      const V xxe = sel(xe == zero<V>(), zero<V>(), x * xe);
      h22 = a * (two * xe + sel(pos, zero<V>(), xxe / b)) / b3;
    }
    gw[0] = g * (h01 * tx + h12 * tw[1]);
    gw[1] = g * ((h02 * tx + h12 * tw[0]) + h22 * tw[1]);
    return g * ((h00 * tx + h01 * tw[0]) + h02 * tw[1]);
  }
};
template struct ParametricOps<PELU, std::make_index_sequence<2>>;

// MPELU: x (x > 0), alpha expm1(beta x) (x <= 0, NaN); df/dx = 1 resp. alpha beta e, df/dalpha =
// expm1(beta x), df/dbeta = alpha x e (left), e = e^{beta x}
template <class V>
struct MPELU : Act<V> {
  static constexpr std::size_t K = 2;
  V alpha, beta, alpha_beta, alpha_beta2;
  explicit MPELU(const V* w) : alpha(w[0]), beta(w[1]), alpha_beta(w[0] * w[1]), alpha_beta2(alpha_beta * w[1]) {}
  ACTLAB_INLINE V f(V x) const {
    const V right = x > zero<V>(), t = sel(right, zero<V>(), beta * x);
    return sel(right, x, alpha * expm1_exp(t, product_residual(t, beta, sel(right, zero<V>(), x))).first);
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const V right = x > zero<V>(), xl = sel(right, zero<V>(), x), t = beta * xl;
    const auto [m, e] = expm1_exp(t, product_residual(t, beta, xl));
    const V xe = sel(right, zero<V>(), sel(e == zero<V>(), zero<V>(), x * e));
    gw[0] = g * sel(right, zero<V>(), m);
    gw[1] = g * (alpha * xe);
    return g * sel(right, V(1), alpha_beta * e);
  }
  // left (x <= 0, NaN): f_xx = alpha beta^2 e, f_x,alpha = beta e, f_x,beta = alpha e (1 + beta x),
  // f_alpha,beta = x e, f_beta,beta = alpha x^2 e; 0 on the right but f_beta,beta (x^2 e = 0 there).
  // float32: e = e^{t + tl} (t = beta x and its residual), 1 + beta x = (1 + t) + tl (exact near
  // its zero at -1/beta); float64 the declaration's e + beta x e
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    const V one(Scalar<V>(1)), right = x > zero<V>(), xl = sel(right, zero<V>(), x), t = beta * xl;
    const V tl = product_residual(t, beta, xl);
    const auto [m, e] = expm1_exp(t, tl);
    const V xe = sel(right, zero<V>(), sel(e == zero<V>(), zero<V>(), x * e));
    V h02;
    if constexpr (is_float<V>) {
      h02 = alpha * sel(e == zero<V>(), zero<V>(), e * ((one + t) + tl));
    } else {
      h02 = alpha * (e + beta * xe);
    }
    const V d0 = sel(right, one, alpha_beta * e), d1 = sel(right, zero<V>(), m), d2 = alpha * xe;
    const V h00 = sel(right, zero<V>(), alpha_beta2 * e), h01 = sel(right, zero<V>(), beta * e);
    h02 = sel(right, zero<V>(), h02);
    const V h22 = alpha * sel(xe == zero<V>(), zero<V>(), x * xe);
    dg = (d0 * tx + d1 * tw[0]) + d2 * tw[1];
    gw[0] = g * (h01 * tx + xe * tw[1]);
    gw[1] = g * ((h02 * tx + xe * tw[0]) + h22 * tw[1]);
    return g * ((h00 * tx + h01 * tw[0]) + h02 * tw[1]);
  }
};
template struct ParametricOps<MPELU, std::make_index_sequence<2>>;

// slope * dx, and 0 for an infinite dx on a flat piece (slope 0): the limit, not 0 * inf (learnable.py's _lin)
template <class V>
ACTLAB_INLINE V lin(const V& slope, const V& dx) {
  const V inf(std::numeric_limits<Scalar<V>>::infinity());
  return sel((dx.abs() == inf) & (slope == zero<V>()), zero<V>(), slope * dx);
}

// SReLU: t_r + a_r (x - t_r) (x >= t_r), x (t_l < x < t_r), t_l + a_l (x - t_l) (x <= t_l; the right piece
// wins where t_l >= t_r); df/dx = a_r, 1, a_l (1 for NaN); df/dt_l = 1 - a_l, df/da_l = x - t_l (left);
// df/dt_r = 1 - a_r, df/da_r = x - t_r (right): the declaration's operations, exact to its bits
template <class V>
struct SReLU : Act<V> {
  static constexpr std::size_t K = 4;
  V tl, al, tr, ar;
  explicit SReLU(const V* w) : tl(w[0]), al(w[1]), tr(w[2]), ar(w[3]) {}
  ACTLAB_INLINE V f(V x) const {
    return sel(x >= tr, tr + lin(ar, x - tr), sel(x <= tl, tl + lin(al, x - tl), x));
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    using S = Scalar<V>;
    const V one(S(1)), right = x >= tr, left = (x <= tl) & (x < tr);
    gw[0] = g * sel(left, one - al, zero<V>());
    gw[1] = g * sel(left, x - tl, zero<V>());
    gw[2] = g * sel(right, one - ar, zero<V>());
    gw[3] = g * sel(right, x - tr, zero<V>());
    return g * sel(right, ar, sel(left, al, one));
  }
  // f_x a_l, 1, a_r; f_x,a_l = [left], f_x,a_r = [right], f_t_l,a_l = -[left], f_t_r,a_r = -[right]
  // (the declaration's partials, its products and sums in order)
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    using S = Scalar<V>;
    const V one(S(1)), right = x >= tr, left = (x <= tl) & (x < tr);
    const V r = sel(right, one, zero<V>()), lf = sel(left, one, zero<V>());
    const V d0 = sel(right, ar, sel(left, al, one)), d1 = lf * (one - al), d2 = sel(left, x - tl, zero<V>());
    const V d3 = r * (one - ar), d4 = sel(right, x - tr, zero<V>());
    dg = (((d0 * tx + d1 * tw[0]) + d2 * tw[1]) + d3 * tw[2]) + d4 * tw[3];
    gw[0] = g * (lf.neg() * tw[1]);
    gw[1] = g * (lf * tx + lf.neg() * tw[0]);
    gw[2] = g * (r.neg() * tw[3]);
    gw[3] = g * (r * tx + r.neg() * tw[2]);
    return g * (lf * tw[1] + r * tw[3]);
  }
};
template struct ParametricOps<SReLU, std::make_index_sequence<4>>;

// AReLU: (1 + sigma(beta)) max(0, x) - C(alpha) max(0, -x), C = clamp(alpha, 0.01, 0.99);
// df/dx = 1 + sigma(beta) (x > 0), C (x < 0), 0 at 0 and NaN; df/dalpha = x [x < 0] C'(alpha), C' = 1
// on [0.01, 0.99]; df/dbeta = x [x > 0] sigma'(beta)
template <class V>
struct AReLU : Act<V> {
  static constexpr std::size_t K = 2;
  using S = Scalar<V>;
  V c, gain, inside, sp, spp;
  explicit AReLU(const V* w)
      : c(clamp(w[0], V(S(0.01)), V(S(0.99)))),
        gain(V(S(1)) + sigmoid(w[1])),
        inside(sel((w[0] >= V(S(0.01))) & (w[0] <= V(S(0.99))), V(S(1)), zero<V>())),
        sp(sigmoid_prime(w[1])),
        spp(sp.neg() * vtanh(V(S(0.5)) * w[1])) {}
  ACTLAB_INLINE V f(V x) const { return gain * max0(x) - c * max0(x.neg()); }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const V pos = x > zero<V>(), neg = x < zero<V>();
    gw[0] = g * (sel(neg, x, zero<V>()) * inside);
    gw[1] = g * (sel(pos, x, zero<V>()) * sp);
    return g * sel(pos, gain, sel(neg, c, zero<V>()));
  }
  // f_x,alpha = [x < 0] C', f_x,beta = [x > 0] sigma'(beta), f_beta,beta = x [x > 0] sigma''(beta),
  // sigma'' = -sigma' tanh(beta/2): the declaration's products and sums in order
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    const V one(S(1)), pos = sel(x > zero<V>(), one, zero<V>()), neg = sel(x < zero<V>(), one, zero<V>());
    const V xn = sel(x < zero<V>(), x, zero<V>()), xp = sel(x > zero<V>(), x, zero<V>());
    const V h01 = neg * inside, h02 = pos * sp;
    dg = ((pos * gain + neg * c) * tx + (xn * inside) * tw[0]) + (xp * sp) * tw[1];
    gw[0] = g * (h01 * tx);
    gw[1] = g * (h02 * tx + (xp * spp) * tw[1]);
    return g * (h01 * tw[0] + h02 * tw[1]);
  }
};
template struct ParametricOps<AReLU, std::make_index_sequence<2>>;

// APL: max(0, x) + sum_s a_s max(0, b_s - x) (S hinges: a and b of S coefficients); df/dx = [x > 0] -
// sum_s a_s [x < b_s] (the declaration's float32 sum, in its order), df/da_s = max(0, b_s - x),
// df/db_s = a_s [x < b_s]. float32 f: the sum cancels where f crosses 0 (1.5x - 0.5 at slope -0.5),
// so b_s - x by TwoSum, a_s (b_s - x) by FMA residual, the terms summed by TwoSum: rounded once;
// float64: the declaration's operations. Infinite x (and an overflowing term): the plain sum with
// _lin's 0 for a flat piece (a_s = 0) at infinite distance.
template <class V>
struct APL : Act<V> {
  using S = Scalar<V>;
  static constexpr bool kCoefficients = true;
  static constexpr std::size_t K = 0;  // 2S, S from the tensors
  static void check(at::IntArrayRef widths) {
    TORCH_CHECK(widths.size() == 2 && widths[0] == widths[1] && widths[0] >= 1,
                "actlab: apl takes a and b of the same number (>= 1) of hinges, got ", widths);
  }
  std::vector<V> a, b;
  APL(const V* w, std::size_t k) : a(w, w + k / 2), b(w + k / 2, w + k) {}
  std::size_t count() const { return 2 * a.size(); }
  ACTLAB_INLINE V plain(V x) const {
    const V inf(std::numeric_limits<S>::infinity());
    V out = max0(x);
    for (std::size_t s = 0; s < a.size(); ++s) {
      const V h = max0(b[s] - x);
      out = out + sel((h.abs() == inf) & (a[s] == zero<V>()), zero<V>(), a[s] * h);
    }
    return out;
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (!is_float<V>) {
      return plain(x);
    } else {
      V hi = max0(x), lo = zero<V>();
      for (std::size_t s = 0; s < a.size(); ++s) {
        auto [h, hl] = two_sum(b[s], x.neg());
        const V on = h > zero<V>();
        auto [p, pl] = two_prod(a[s], sel(on, h, zero<V>()));
        const auto [t, te] = two_sum(hi, p);
        lo = lo + (te + fma(a[s], sel(on, hl, zero<V>()), pl));
        hi = t;
      }
      const V y = hi + lo, finite = y.abs() < V(std::numeric_limits<S>::infinity());
      return all(finite) ? y : sel(finite, y, plain(x));
    }
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const std::size_t n = a.size();
    V total = zero<V>();
    for (std::size_t s = 0; s < n; ++s) {
      const V below = sel(x < b[s], V(S(1)), zero<V>());
      total = total + a[s] * below;
      gw[s] = g * max0(b[s] - x);
      gw[n + s] = g * (a[s] * below);
    }
    return g * (sel(x > zero<V>(), V(S(1)), zero<V>()) - total);
  }
  // The declaration's vjp2 in its order: f_{x a_s} = -[x < b_s], f_{a_s b_s} = [x < b_s] (the rest 0);
  // dg = f_x tx + sum_s max(0, b_s - x) ta_s + sum_s a_s [x < b_s] tb_s (inf times a 0 tangent: NaN)
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    const std::size_t n = a.size();
    const V one(S(1));
    V total = zero<V>();
    for (std::size_t s = 0; s < n; ++s) total = total + a[s] * sel(x < b[s], one, zero<V>());
    V acc = (sel(x > zero<V>(), one, zero<V>()) - total) * tx, rx = zero<V>();
    for (std::size_t s = 0; s < n; ++s) acc = acc + max0(b[s] - x) * tw[s];
    for (std::size_t s = 0; s < n; ++s) {
      const V below = sel(x < b[s], one, zero<V>());
      acc = acc + (a[s] * below) * tw[n + s];
      rx = rx + below.neg() * tw[s];
      gw[s] = g * (below.neg() * tx + below * tw[n + s]);
      gw[n + s] = g * (below * tw[s]);
    }
    dg = acc;
    return g * rx;
  }
};
template struct ParametricOps<APL, std::make_index_sequence<2>>;

// The rational activations F = P/Q, P = sum_{j <= M} a_j x^j: PAU (Safe) Q = 1 + |B|, B = sum_{k=1..D}
// b_k x^k; Rational Q = sum_{k=0..D} b_k x^k. Coefficients: a_0..a_M, then the b_k.
//
//   f = P/Q, P by compensated Horner (plain float32 Horner missed the float64 declaration by 660
//   ulps where P cancels: PAU's leaky ReLU below 0); Rational's Q too (near its poles);
//   f' = N/Q^2, N = P'Q - PQ' a polynomial of degree M + D - 1 (PAU: P' + s (P'B - PB') for each
//   sign s of B, Q' = s B'), its coefficients computed once per channel in double, kept as hi + lo
//   and summed by compensated Horner ((P' - f Q')/Q cancelled to 140 ulps); PAU's s as sign(x)
//   sign(B/x), B/x by compensated Horner (B underflows, and changes sign near x = 1.4e-5);
//   df/da_j = x^j/Q, df/db_k = -s f x^k/Q (Rational s = 1), f there from plain Horner.
//
// Beyond |x| = 2^12 (and at +-inf) the declaration's scaled form (its _Monomials): t = 1/x, P/x^D =
// x sum_j a_j t^(M-j), Q/x^D, N/x^2D = sum_i n_i t^(2D-i): no overflow, the limits at +-inf.
// float64 runs the declaration's own operations (`parts`).
template <class V, int M, int D, bool Safe>
struct RationalUnit : Act<V> {
  using S = Scalar<V>;
  static constexpr bool kCoefficients = true;
  static constexpr int NA = M + 1, NB = Safe ? D : D + 1, NN = M + D, kFirst = Safe ? 1 : 0;
  static constexpr int NR = 3 * D - 2;  // R = N'Q - 2NQ' (f'' = R/Q^3): degree 3D - 3 (f'' ~ x^-3)
  static constexpr std::size_t K = NA + NB;
  static_assert(M == D + 1 && D % 2 == 0, "the scaled form takes P of degree D + 1 and Q of even degree D");
  static void check(at::IntArrayRef widths) {
    TORCH_CHECK(widths.size() == 2 && widths[0] == NA && widths[1] == NB, "actlab: the native kernel takes ", NA,
                " numerator and ", NB, " denominator coefficients, got ", widths);
  }
  static constexpr S kBig = S(4096);  // 2^12: x^(2D) and Q^2 far from overflow below it
  std::array<V, NA> a, alo;  // alo: 0 (compensated Horner's lo parts)
  std::array<V, NB> bk, bkl;  // PAU b_1..b_D, Rational b_0..b_D; bkl: 0
  std::array<V, NN> np, npl, nm, nml, n0, n0l;  // N as hi + lo: for s > 0 (Rational: all), s < 0, s = 0
  std::array<V, NR> rp, rpl, rm, rml, r0, r0l;  // R as hi + lo, likewise
  std::array<V, D> db;                           // k b_k (k = 1..D): B' = sum db_i x^i

  RationalUnit(const V* w, std::size_t) {
    constexpr int VS = V::size();
    for (int j = 0; j < NA; ++j) a[j] = w[j], alo[j] = zero<V>();
    for (int k = 0; k < NB; ++k) bk[k] = w[NA + k], bkl[k] = zero<V>();
    for (int i = 0; i < D; ++i) db[i] = V(S(i + 1)) * bk[i + 1 - kFirst];
    alignas(64) S wv[K][VS];
    for (std::size_t j = 0; j < K; ++j) w[j].store(wv[j]);
    alignas(64) S out[6][NN][VS];
    alignas(64) S rout[6][NR][VS];
    for (int l = 0; l < VS; ++l) {  // once per channel, in double: N's coefficients
      double A[NA], B[D + 1] = {}, dP[NN] = {}, dB[D + 1] = {}, Dn[NN] = {};
      for (int j = 0; j < NA; ++j) A[j] = wv[j][l];
      for (int k = 0; k < NB; ++k) B[k + kFirst] = wv[NA + k][l];
      for (int j = 0; j < M; ++j) dP[j] = (j + 1) * A[j + 1];
      for (int k = 0; k < D; ++k) dB[k] = (k + 1) * B[k + 1];
      for (int j = 0; j < M; ++j) {
        for (int k = 0; k <= D; ++k) Dn[j + k] += dP[j] * B[k];
      }
      for (int j = 0; j < NA; ++j) {
        for (int k = 0; k < D; ++k) Dn[j + k] -= A[j] * dB[k];
      }
      for (int i = 0; i < NN; ++i) {
        const double c[3] = {Safe ? dP[i] + Dn[i] : Dn[i], Safe ? dP[i] - Dn[i] : Dn[i], Safe ? dP[i] : Dn[i]};
        for (int v = 0; v < 3; ++v) {
          out[2 * v][i][l] = static_cast<S>(c[v]);
          out[2 * v + 1][i][l] = static_cast<S>(c[v] - static_cast<double>(out[2 * v][i][l]));
        }
      }
      // R_s = N_s'Q_s - 2 N_s Q_s' = P'' + s (Dn' + P''B - 2P'B') + s^2 (Dn'B - 2 Dn B') (Rational: the
      // last, B = Q); its top two coefficients are 0 (dropped)
      double d2P[NR] = {}, dDn[NR] = {}, R1[NR] = {}, R2[3 * D] = {};
      for (int j = 0; j + 1 < M; ++j) d2P[j] = (j + 1) * dP[j + 1];
      for (int i = 0; i + 1 < NN; ++i) dDn[i] = (i + 1) * Dn[i + 1];
      for (int i = 0; i + 1 < NN; ++i) R1[i] += dDn[i];
      for (int j = 0; j + 1 < M; ++j) {
        for (int k = 0; k <= D; ++k) R1[j + k] += d2P[j] * B[k];
      }
      for (int j = 0; j < M; ++j) {
        for (int k = 0; k < D; ++k) R1[j + k] -= 2.0 * dP[j] * dB[k];
      }
      for (int i = 0; i + 1 < NN; ++i) {
        for (int k = 0; k <= D; ++k) R2[i + k] += dDn[i] * B[k];
      }
      for (int i = 0; i < NN; ++i) {
        for (int k = 0; k < D; ++k) R2[i + k] -= 2.0 * Dn[i] * dB[k];
      }
      for (int i = 0; i < NR; ++i) {
        const double c[3] = {Safe ? d2P[i] + R1[i] + R2[i] : R2[i], Safe ? d2P[i] - R1[i] + R2[i] : R2[i],
                             Safe ? d2P[i] : R2[i]};
        for (int v = 0; v < 3; ++v) {
          rout[2 * v][i][l] = static_cast<S>(c[v]);
          rout[2 * v + 1][i][l] = static_cast<S>(c[v] - static_cast<double>(rout[2 * v][i][l]));
        }
      }
    }
    for (int i = 0; i < NR; ++i) {
      rp[i] = V::loadu(rout[0][i]), rpl[i] = V::loadu(rout[1][i]), rm[i] = V::loadu(rout[2][i]);
      rml[i] = V::loadu(rout[3][i]), r0[i] = V::loadu(rout[4][i]), r0l[i] = V::loadu(rout[5][i]);
    }
    for (int i = 0; i < NN; ++i) {
      np[i] = V::loadu(out[0][i]), npl[i] = V::loadu(out[1][i]), nm[i] = V::loadu(out[2][i]);
      nml[i] = V::loadu(out[3][i]), n0[i] = V::loadu(out[4][i]), n0l[i] = V::loadu(out[5][i]);
    }
  }

  // N (or N/x^2D in t) with the coefficients of the sign s of B
  template <bool Reverse>
  ACTLAB_INLINE V numerator_n(const V& u, const V& s) const {
    if constexpr (!Safe) {
      const auto [h, l] = compensated_horner<Reverse>(u, np, npl);
      return h + l;
    } else {
      const V pos = s > zero<V>();
      if (all(pos)) {  // the common case (B ~ x^2 near 0 for every fit of PAU_INIT): no selects
        const auto [h, l] = compensated_horner<Reverse>(u, np, npl);
        return h + l;
      }
      std::array<V, NN> ch, cl;
      for (int i = 0; i < NN; ++i) ch[i] = sel(pos, np[i], nm[i]), cl[i] = sel(pos, npl[i], nml[i]);
      const V zero_s = s == zero<V>();
      if (any(zero_s)) {
        for (int i = 0; i < NN; ++i) ch[i] = sel(zero_s, n0[i], ch[i]), cl[i] = sel(zero_s, n0l[i], cl[i]);
      }
      const auto [h, l] = compensated_horner<Reverse>(u, ch, cl);
      return h + l;
    }
  }

  static ACTLAB_INLINE V power_d(const V& t) {
    V p = t;
    for (int i = 1; i < D; ++i) p = p * t;
    return p;
  }

  ACTLAB_INLINE V f_small(const V& x) const {
    const auto [ph, pl] = compensated_horner(x, a, alo);
    if constexpr (Safe) {
      return (ph + pl) / (V(S(1)) + (x * horner_of<NB>(x, bk)).abs());
    } else {
      const auto [qh, ql] = compensated_horner(x, bk, bkl);
      return (ph + pl) / (qh + ql);
    }
  }
  // Q/x^D and (PAU) the sign of B, in t = 1/x
  ACTLAB_INLINE std::pair<V, V> q_big(const V& t) const {
    const auto [bh, bl] = compensated_horner<true>(t, bk, bkl);
    const V brev = bh + bl;
    if constexpr (Safe) {
      return {power_d(t) + brev.abs(), sign(brev)};
    } else {
      return {brev, V(S(1))};
    }
  }
  ACTLAB_INLINE V f_big(const V& x) const {
    const V t = V(S(1)) / x;
    const auto [ph, pl] = compensated_horner<true>(t, a, alo);
    return x * ((ph + pl) / q_big(t).first);
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (!is_float<V>) {
      V d[K + 2];
      declared(x, d, false);
      return d[0];
    } else {
      const V y = f_small(x), big = x.abs() > V(kBig);
      return any(big) ? sel(big, f_big(x), y) : y;
    }
  }

  // float64: the declaration's operations (_RationalUnit._parts: x^j/max(1, |x|)^D, the sums in its
  // order, f' = (P' - f Q')/Q) and, at +-inf, its limits (with_limits: at +-1e300 and +-1e150)
  // d = {f, f', df/dw_0, ...}; first: f and f' only
  ACTLAB_INLINE void parts(const V& x, V* d, bool first) const {
    const V one(S(1)), big = x.abs() > one, xs = sel(big, zero<V>(), x), xb = sel(big, x, one);
    V pw[M + 1], large[M + 1];
    pw[0] = one;
    for (int j = 1; j <= M; ++j) pw[j] = pw[j - 1] * xs;
    large[D] = one;  // sign(x)^D, D even
    for (int j = D - 1; j >= 0; --j) large[j] = large[j + 1] / xb;
    for (int j = D + 1; j <= M; ++j) large[j] = large[j - 1] * xb;
    for (int j = 0; j <= M; ++j) pw[j] = sel(big, large[j], pw[j]);
    const V inv_scale = sel(big, (one / xb).abs().pow(V(S(D))), one);
    V p = zero<V>(), p1 = zero<V>(), bs = zero<V>(), b1 = zero<V>();
    for (int j = 0; j <= M; ++j) p = p + a[j] * pw[j];
    for (int j = 1; j <= M; ++j) p1 = p1 + (V(S(j)) * a[j]) * pw[j - 1];
    for (int c = 0; c < NB; ++c) bs = bs + bk[c] * pw[c + kFirst];
    for (int c = 0; c < NB; ++c) {
      if (c + kFirst >= 1) b1 = b1 + (V(S(c + kFirst)) * bk[c]) * pw[c + kFirst - 1];
    }
    const V sg = Safe ? sign(bs) : one, q = Safe ? inv_scale + bs.abs() : bs, q1 = sg * b1, f = p / q;
    d[0] = f, d[1] = (p1 - f * q1) / q;
    if (first) return;
    for (int j = 0; j <= M; ++j) d[2 + j] = pw[j] / q;
    for (int c = 0; c < NB; ++c) d[2 + NA + c] = (sg.neg() * f) * (pw[c + kFirst] / q);
  }
  ACTLAB_INLINE void declared(const V& x, V* d, bool full) const {
    const std::size_t n = full ? K + 2 : 2;
    parts(x, d, !full);
    d[0] = sel(x != x, x, d[0]);
    const V inf(std::numeric_limits<S>::infinity()), at_inf = x.abs() == inf;
    if (!any(at_inf)) return;
    V far[K + 2], nearer[K + 2];
    parts(copysign(V(S(1e300)), x), far, !full);
    parts(copysign(V(S(1e150)), x), nearer, !full);
    for (std::size_t i = 0; i < n; ++i) {
      const V diff = (far[i] - nearer[i]).abs(), tiny(S(1e-100));
      const V grow = (diff > tiny + V(S(1e-9)) * nearer[i].abs()) & (far[i] == far[i]);
      const V limit = sel(grow, copysign(inf, far[i]), sel(far[i].abs() <= tiny, zero<V>(), far[i]));
      d[i] = sel(at_inf, limit, d[i]);
    }
  }

  ACTLAB_INLINE V vjp_small(const V& g, const V& x, V* gw) const {
    V q, s;
    if constexpr (Safe) {
      const auto [bh, bl] = compensated_horner(x, bk, bkl);
      const V bt = bh + bl;
      q = V(S(1)) + (x * bt).abs(), s = sign(x) * sign(bt);
    } else {
      const auto [qh, ql] = compensated_horner(x, bk, bkl);
      q = qh + ql, s = V(S(1));
    }
    const V iq = V(S(1)) / q, r = g * iq, f = horner_of<NA>(x, a) * iq;  // one division
    V p = r;
    for (int j = 0; j < NA; ++j) gw[j] = p, p = p * x;
    p = (s * f * r).neg();
    if constexpr (Safe) p = p * x;
    for (int k = 0; k < NB; ++k) gw[NA + k] = p, p = p * x;
    return g * (numerator_n<false>(x, s) * iq * iq);
  }
  ACTLAB_INLINE V vjp_big(const V& g, const V& x, V* gw) const {
    const V t = V(S(1)) / x;
    const auto [q, s] = q_big(t);
    const V r = g / q, fs = horner_of<NA, true>(t, a) / q;
    gw[D] = r, gw[D + 1] = r * x;  // x^(j-D)/Q~
    for (int j = D - 1; j >= 0; --j) gw[j] = gw[j + 1] * t;
    const V rb = (s * fs * r).neg();  // -s (f/x) x^(k+1-D)/Q~: index of k = D - 1
    constexpr int top = NA + NB - 1, k1 = NA + (D - 1 - kFirst);
    gw[top] = rb * x, gw[k1] = rb;
    for (int i = k1 - 1; i >= NA; --i) gw[i] = gw[i + 1] * t;
    return g * (numerator_n<true>(t, s) / q / q);
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    if constexpr (!is_float<V>) {
      V d[K + 2];
      declared(x, d, true);
      for (std::size_t j = 0; j < K; ++j) gw[j] = g * d[2 + j];
      return g * d[1];
    }
    const V gx = vjp_small(g, x, gw), big = x.abs() > V(kBig);
    if (!any(big)) return gx;
    V gb[K];
    const V gxb = vjp_big(g, x, gb);
    for (std::size_t j = 0; j < K; ++j) gw[j] = sel(big, gb[j], gw[j]);
    return sel(big, gxb, gx);
  }
  // ---- the double backward (vjp2) ----------------------------------------------------------------
  // f'' = R/Q^3 (R's coefficients per sign s of B, as N's); beyond kBig t^3 R~(t)/Q~^3, R~ the
  // reversed R (R/x^3D = t^3 R~). The tangent's parts: T_a = sum ta_j x^j, T_b = sum tb_k x^k (dQ =
  // s T_b), D_t f = (T_a - s f T_b)/Q:
  //   dg = f' tx + D_t f
  //   dx = g (f'' tx + (T_a' - s (f' T_b + f T_b') - D_t f Q')/Q)
  //   gw[a_j] = g (tx j x^(j-1) - x^j dQ/Q)/Q,  dQ = tx Q' + s T_b
  //   gw[b_k] = -s g (x^k (dg - f dQ/Q) + tx f k x^(k-1))/Q
  // (the directional derivatives of f_x, x^j/Q and -s f x^k/Q: no Hessian). Beyond kBig the same
  // in t = 1/x, every power of x divided out (dg in the declaration's order: its infinities at
  // +-inf, times a 0 tangent NaN as there); at +-inf the parameter gradients from the Hessian's
  // limits (the declaration's with_limits: 0, a constant or +-inf per entry). float64: the
  // declaration's operations (`second`, with_limits at 1e300 and 1e150).
  ACTLAB_INLINE V numerator_r_small(const V& u, const V& s) const { return by_sign<false>(u, s, rp, rpl, rm, rml, r0, r0l); }
  ACTLAB_INLINE V numerator_r_big(const V& u, const V& s) const { return by_sign<true>(u, s, rp, rpl, rm, rml, r0, r0l); }
  template <bool Reverse, std::size_t L>
  static ACTLAB_INLINE V by_sign(const V& u, const V& s, const std::array<V, L>& ph, const std::array<V, L>& pl,
                                 const std::array<V, L>& mh, const std::array<V, L>& ml, const std::array<V, L>& zh,
                                 const std::array<V, L>& zl) {
    if constexpr (!Safe) {
      const auto [h, l] = compensated_horner<Reverse>(u, ph, pl);
      return h + l;
    } else {
      const V pos = s > zero<V>();
      if (all(pos)) {
        const auto [h, l] = compensated_horner<Reverse>(u, ph, pl);
        return h + l;
      }
      std::array<V, L> ch, cl;
      for (std::size_t i = 0; i < L; ++i) ch[i] = sel(pos, ph[i], mh[i]), cl[i] = sel(pos, pl[i], ml[i]);
      const V zero_s = s == zero<V>();
      if (any(zero_s)) {
        for (std::size_t i = 0; i < L; ++i) ch[i] = sel(zero_s, zh[i], ch[i]), cl[i] = sel(zero_s, zl[i], cl[i]);
      }
      const auto [h, l] = compensated_horner<Reverse>(u, ch, cl);
      return h + l;
    }
  }
  // the parameter gradients from e[j] = x^j/Q, de[j] = j x^(j-1)/Q, fdk[c] = f k x^(k-1)/Q,
  // dq = dQ/Q and e_dg = dg - f dQ/Q
  static ACTLAB_INLINE void gw_of(const V& g, const V& tx, const V* e, const V* de, const V* fdk, const V& s,
                                  const V& dq, const V& e_dg, V* gw) {
    const V gtx = g * tx, gdq = g * dq, sg = (s * g).neg();
    for (int j = 0; j < NA; ++j) gw[j] = gtx * de[j] - e[j] * gdq;
    for (int c = 0; c < NB; ++c) gw[NA + c] = sg * (e[c + kFirst] * e_dg + tx * fdk[c]);
  }
  // the parameter gradients from a Hessian's rows (the declaration's sums, in its order):
  // h0[1 + i] = f_x,w_i, hab[j][c] = f_a_j,b_c, hbb[c][e] = f_b_c,b_e (c <= e), f_a,a = 0
  static ACTLAB_INLINE void gw_dense(const V& g, const V& tx, const V* tw, const V* h0, const V (*hab)[NB],
                                     const V (*hbb)[NB], V* gw) {
    for (int j = 0; j < NA; ++j) {
      V acc = h0[1 + j] * tx;
      for (int c = 0; c < NB; ++c) acc = acc + hab[j][c] * tw[NA + c];
      gw[j] = g * acc;
    }
    for (int c = 0; c < NB; ++c) {
      V acc = h0[1 + NA + c] * tx;
      for (int j = 0; j < NA; ++j) acc = acc + hab[j][c] * tw[j];
      for (int e = 0; e < NB; ++e) acc = acc + hbb[std::min(c, e)][std::max(c, e)] * tw[NA + e];
      gw[NA + c] = g * acc;
    }
  }
  // T = sum c_i x^i and T' (c_i = tw[first + i - lead] for i >= lead, else 0), Horner
  static ACTLAB_INLINE std::pair<V, V> tangent_poly(const V& x, const V* c, int n, int lead) {
    V p = c[n - 1], p1 = zero<V>();
    for (int i = n - 2; i >= 0; --i) p1 = fma(p1, x, p), p = fma(p, x, c[i]);
    for (int i = 0; i < lead; ++i) p1 = fma(p1, x, p), p = p * x;
    return {p, p1};
  }
  // reversed: sum c_i t^(n-1-i) and sum (i + lead) c_i t^(n-1-i)
  static ACTLAB_INLINE std::pair<V, V> tangent_rev(const V& t, const V* c, int n, int lead) {
    V p = c[0], p1 = V(S(lead)) * c[0];
    for (int i = 1; i < n; ++i) p = fma(p, t, c[i]), p1 = fma(p1, t, V(S(i + lead)) * c[i]);
    return {p, p1};
  }
  ACTLAB_INLINE V vjp2_small(const V& g, const V& x, const V& tx, const V* tw, V& dg, V* gw) const {
    V qh, ql, s;  // Q as hi + lo
    if constexpr (Safe) {
      const auto [bh, bl] = compensated_horner(x, bk, bkl);
      s = sign(x) * sign(bh + bl);
      const auto [ph, pe] = two_prod(x, bh);
      const V plo = fma(x, bl, pe), neg = ph < zero<V>();
      const auto [sh, se] = two_sum(V(S(1)), ph.abs());
      qh = sh, ql = se + sel(neg, plo.neg(), plo);
    } else {
      std::tie(qh, ql) = compensated_horner(x, bk, bkl);
      s = V(S(1));
    }
    // 1/Q to half an ulp: 1/qh corrected by its residual and ql
    const V iq0 = V(S(1)) / qh, iq = fma(iq0, fma(qh.neg(), iq0, V(S(1))) - ql * iq0, iq0);
    const auto [pnh, pnl] = compensated_horner(x, a, alo);
    const V f = (pnh + pnl) * iq;
    const V fx = numerator_n<false>(x, s) * iq * iq, fxx = numerator_r_small(x, s) * iq * iq * iq;
    const V q1 = s * horner_of<D>(x, db);
    const V tb = tangent_poly(x, tw + NA, NB, kFirst).first;
    V pw[NA], e[NA], de[NA], fdk[NB];
    pw[0] = V(S(1)), e[0] = iq, de[0] = zero<V>();
    for (int j = 1; j < NA; ++j) pw[j] = pw[j - 1] * x, e[j] = pw[j] * iq, de[j] = V(S(j)) * e[j - 1];
    // D_t f = (T_a - s f T_b)/Q: T_a - s f T_b cancels (the tangent's terms), so T_a, T_b (compensated
    // Horner), f and their difference as hi + lo, rounded once
    std::array<V, NA> tah, tal;
    std::array<V, NB> tbh, tbl;
    for (int j = 0; j < NA; ++j) tah[j] = tw[j], tal[j] = zero<V>();
    for (int c = 0; c < NB; ++c) tbh[c] = tw[NA + c], tbl[c] = zero<V>();
    const auto [tah0, tal0] = compensated_horner(x, tah, tal);
    auto [tbh0, tbl0] = compensated_horner(x, tbh, tbl);
    if constexpr (Safe) {  // T_b = x sum_c tb_c x^c
      const auto [mh, me] = two_prod(tbh0, x);
      tbl0 = fma(tbl0, x, me), tbh0 = mh;
    }
    const V fh = pnh * iq, fl = (fma(fh.neg(), qh, pnh) + pnl - fh * ql) * iq0;
    const auto [mh, me] = two_prod(fh, tbh0);
    const V ml = me + (fh * tbl0 + fl * tbh0);
    const auto [dh, de0] = two_sum(tah0, (s * mh).neg());
    const V dtf = (dh + (de0 + tal0 - s * ml)) * iq;
    dg = fx * tx + dtf;
    // f_x,a_j = W_j x^(j-1)/Q^2, W_j = j Q - x Q' = j + s sum_k (j - k) b_k x^k (PAU; Rational without
    // the j): no cancellation as x grows (j x^(j-1)/Q - x^j Q'/Q^2 cancels); f_x,b_k = -s (f' x^k/Q + f f_x,a_k)
    V h0a[NA];
    h0a[0] = (q1 * iq * iq).neg();
    for (int j = 1; j < NA; ++j) {
      V w = V(S(j - (NB - 1 + kFirst))) * bk[NB - 1];
      for (int c = NB - 2; c >= 0; --c) w = fma(w, x, V(S(j - c - kFirst)) * bk[c]);
      if constexpr (Safe) w = fma(s * w, x, V(S(j)));
      h0a[j] = (w * e[j - 1]) * iq;
    }
    const V ns = s.neg();
    V dxw = zero<V>();
    for (int j = 0; j < NA; ++j) dxw = dxw + h0a[j] * tw[j];
    for (int c = 0; c < NB; ++c) {
      const int k = c + kFirst;
      dxw = dxw + (ns * (fx * e[k] + f * h0a[k])) * tw[NA + c];
    }
    for (int c = 0; c < NB; ++c) fdk[c] = c + kFirst == 0 ? zero<V>() : V(S(c + kFirst)) * (f * e[c + kFirst - 1]);
    const V dq = tx * (q1 * iq) + s * tb * iq;
    gw_of(g, tx, e, de, fdk, s, dq, dg - f * dq, gw);
    return g * (fxx * tx + dxw);
  }
  ACTLAB_INLINE V vjp2_big(const V& g, const V& x, const V& tx, const V* tw, V& dg, V* gw) const {
    const V t = V(S(1)) / x;
    const auto [qt, s] = q_big(t);
    const V iq = V(S(1)) / qt, fs = horner_of<NA, true>(t, a) * iq;  // f = x fs
    const V fx = numerator_n<true>(t, s) * iq * iq;
    const V fxx = ((numerator_r_big(t, s) * iq * iq * iq) * t) * t * t;
    const V u = s * horner_of<D, true>(t, db) * iq;  // x Q'/Q
    const V tb = tangent_rev(t, tw + NA, NB, kFirst).first;  // T_b/x^D
    V e[NA], de[NA], fdk[NB], dbk[NB];
    e[D] = iq, e[M] = iq * x;
    for (int j = D - 1; j >= 0; --j) e[j] = e[j + 1] * t;
    // f_x,a_j = (j - u) x^(j-1)/Q (j >= 1), -t u/Q (j = 0); f_x,b_k = -s x^k/Q (f' + fs (k - u)): x t = 1
    // divided out (finite at +-inf)
    const V ns = s.neg();
    V dxw = ((e[0] * t) * u).neg() * tw[0];
    for (int j = 1; j < NA; ++j) dxw = dxw + ((V(S(j)) - u) * e[j - 1]) * tw[j];
    for (int c = 0; c < NB; ++c) {
      const int k = c + kFirst;
      dxw = dxw + (ns * (e[k] * (fx + fs * (V(S(k)) - u)))) * tw[NA + c];
    }
    const V rb = (s * fs * iq).neg();
    dbk[NB - 1] = rb * x, dbk[NB - 2] = rb;
    for (int c = NB - 3; c >= 0; --c) dbk[c] = dbk[c + 1] * t;
    // dg = f' tx + x (T_a/x^(D+1) - s fs T_b/x^D)/Q~ in double-float as in the small form (x^M/Q
    // overflows float32 near FLT_MAX); at +-inf the declaration's sum in its order (its infinities)
    std::array<V, NA> tah, tal;
    std::array<V, NB> tbh, tbl;
    for (int j = 0; j < NA; ++j) tah[j] = tw[j], tal[j] = zero<V>();
    for (int c = 0; c < NB; ++c) tbh[c] = tw[NA + c], tbl[c] = zero<V>();
    const auto [tah0, tal0] = compensated_horner<true>(t, tah, tal);
    const auto [tbh0, tbl0] = compensated_horner<true>(t, tbh, tbl);
    const auto [pnh, pnl] = compensated_horner<true>(t, a, alo);
    const V fh = pnh * iq, fl = (fma(fh.neg(), qt, pnh) + pnl) * iq;
    const auto [mh, me] = two_prod(fh, tbh0);
    const V ml = me + (fh * tbl0 + fl * tbh0);
    const auto [dh, de0] = two_sum(tah0, (s * mh).neg());
    const V dtf_x = (dh + (de0 + tal0 - s * ml)) * iq, dg_x = (fx * tx) * t + dtf_x;  // D_t f/x, dg/x
    V acc = fx * tx + x * dtf_x;
    const V at_inf = x.abs() == V(std::numeric_limits<S>::infinity());
    if (any(at_inf)) {
      V inf_sum = fx * tx;
      for (int j = 0; j < NA; ++j) inf_sum = inf_sum + e[j] * tw[j];
      for (int c = 0; c < NB; ++c) inf_sum = inf_sum + dbk[c] * tw[NA + c];
      acc = sel(at_inf, inf_sum, acc);
    }
    dg = acc;
    de[0] = zero<V>();
    for (int j = 1; j < NA; ++j) de[j] = V(S(j)) * e[j - 1];
    for (int c = 0; c < NB; ++c) fdk[c] = V(S(c + kFirst)) * (fs * e[c + kFirst]);
    // gw_of's, with x divided out where x^M/Q would overflow float32 (near FLT_MAX): x^M dQ/Q^2 =
    // x^D/Q (x dQ/Q), x^k (dg - f dQ/Q) = x^(k+1) (dg/x - fs dQ/Q) for k < D
    const V tbq = tb * iq, dq = tx * (t * u) + s * tbq, xdq = tx * u + s * (x * tbq);
    const V gtx = g * tx, gdq = g * dq, sg = (s * g).neg(), e_scaled = dg_x - fs * dq, e_full = x * e_scaled;
    for (int j = 0; j < M; ++j) gw[j] = gtx * de[j] - e[j] * gdq;
    gw[M] = (g * e[D]) * (tx * V(S(M)) - xdq);
    for (int c = 0; c < NB; ++c) {
      const int k = c + kFirst;
      gw[NA + c] = sg * ((k == D ? e[D] * e_full : e[k + 1] * e_scaled) + tx * fdk[c]);
    }
    return g * (fxx * tx + dxw);
  }
  // at x = +-inf: the Hessian's limits (Q ~ Ql x^D, Ql = |b_D| (PAU) or b_D, s = sign b_D (PAU),
  // f ~ c x, c = a_M/Ql): f_x,a_M = 1/Ql, f_x,b_D = -s c/Ql, f_a_j,b_k = -s x^(j+k-2D)/Ql^2 and
  // f_b_k,b_l = 2c x^(k+l+1-2D)/Ql^2 for the powers 1 (+-inf) and 0, the others 0
  ACTLAB_INLINE void gw_at_inf(const V& g, const V& x, const V& tx, const V* tw, V* gw) const {
    const auto [ql, s] = q_big(zero<V>());
    const V iq = V(S(1)) / ql, c = a[M] * iq, iq2 = iq * iq, ab = s.neg() * iq2, bb = V(S(2)) * c * iq2;
    V h0[K + 1], hab[NA][NB], hbb[NB][NB];
    for (std::size_t i = 0; i <= K; ++i) h0[i] = zero<V>();
    h0[1 + M] = iq, h0[K] = (s * c).neg() * iq;
    for (int j = 0; j < NA; ++j) {
      for (int cc = 0; cc < NB; ++cc) {
        const int p = j + cc + kFirst - 2 * D;
        hab[j][cc] = p == 1 ? ab * x : p == 0 ? ab : zero<V>();
      }
    }
    for (int c1 = 0; c1 < NB; ++c1) {
      for (int c2 = 0; c2 < NB; ++c2) {
        const int p = c1 + c2 + 2 * kFirst + 1 - 2 * D;
        hbb[c1][c2] = p == 1 ? bb * x : p == 0 ? bb : zero<V>();
      }
    }
    gw_dense(g, tx, tw, h0, hab, hbb, gw);
  }

  // float64: _RationalUnit._parts/_partials' operations
  struct Second {
    V f, sg, q, q1, fx, fxx, aa[NA], dj[NA], xk[NB], dk[NB];
  };
  ACTLAB_INLINE void second(const V& x, Second& r) const {
    const V one(S(1)), big = x.abs() > one, xs = sel(big, zero<V>(), x), xb = sel(big, x, one);
    V pw[M + 1], large[M + 1];
    pw[0] = one;
    for (int j = 1; j <= M; ++j) pw[j] = pw[j - 1] * xs;
    large[D] = one;
    for (int j = D - 1; j >= 0; --j) large[j] = large[j + 1] / xb;
    for (int j = D + 1; j <= M; ++j) large[j] = large[j - 1] * xb;
    for (int j = 0; j <= M; ++j) pw[j] = sel(big, large[j], pw[j]);
    const V inv_scale = sel(big, (one / xb).abs().pow(V(S(D))), one);
    V p = zero<V>(), p1 = zero<V>(), p2 = zero<V>(), bs = zero<V>(), b1 = zero<V>(), b2 = zero<V>();
    for (int j = 0; j <= M; ++j) p = p + a[j] * pw[j];
    for (int j = 1; j <= M; ++j) p1 = p1 + (V(S(j)) * a[j]) * pw[j - 1];
    for (int j = 2; j <= M; ++j) p2 = p2 + (V(S(j * (j - 1))) * a[j]) * pw[j - 2];
    for (int c = 0; c < NB; ++c) bs = bs + bk[c] * pw[c + kFirst];
    for (int c = 0; c < NB; ++c) {
      const int k = c + kFirst;
      if (k >= 1) b1 = b1 + (V(S(k)) * bk[c]) * pw[k - 1];
      if (k >= 2) b2 = b2 + (V(S(k * (k - 1))) * bk[c]) * pw[k - 2];
    }
    r.sg = Safe ? sign(bs) : one;
    r.q = Safe ? inv_scale + bs.abs() : bs;
    r.q1 = r.sg * b1;
    const V q2 = r.sg * b2;
    r.f = p / r.q;
    r.fx = (p1 - r.f * r.q1) / r.q;
    r.fxx = ((p2 - (V(S(2)) * r.fx) * r.q1) - r.f * q2) / r.q;
    for (int j = 0; j <= M; ++j) {
      r.aa[j] = pw[j] / r.q;
      r.dj[j] = j >= 1 ? (V(S(j)) * pw[j - 1]) / r.q : zero<V>();
    }
    for (int c = 0; c < NB; ++c) {
      const int k = c + kFirst;
      r.xk[c] = pw[k] / r.q;
      r.dk[c] = k >= 1 ? (V(S(k)) * pw[k - 1]) / r.q : zero<V>();
    }
  }
  // d = {f_x, f_w...}, h0 = {f_xx, f_x,w...} and (dense) f_a,b and f_b,b
  static ACTLAB_INLINE void entries(const Second& r, V* d, V* h0, V (*hab)[NB], V (*hbb)[NB]) {
    const V nsg = r.sg.neg();
    d[0] = r.fx, h0[0] = r.fxx;
    for (int j = 0; j < NA; ++j) d[1 + j] = r.aa[j], h0[1 + j] = r.dj[j] - (r.aa[j] * r.q1) / r.q;
    for (int c = 0; c < NB; ++c) {
      d[1 + NA + c] = (nsg * r.f) * r.xk[c];
      h0[1 + NA + c] = nsg * (((r.fx * r.xk[c]) + (r.f * r.dk[c])) - (((r.f * r.xk[c]) * r.q1) / r.q));
    }
    if (hab == nullptr) return;
    for (int j = 0; j < NA; ++j) {
      for (int c = 0; c < NB; ++c) hab[j][c] = (nsg * r.aa[j]) * r.xk[c];
    }
    for (int c = 0; c < NB; ++c) {
      for (int e = c; e < NB; ++e) hbb[c][e] = ((((V(S(2)) * r.f) * r.sg) * r.sg) * r.xk[c]) * r.xk[e];
    }
  }
  ACTLAB_INLINE V vjp2_declared(const V& g, const V& x, const V& tx, const V* tw, V& dg, V* gw) const {
    Second r;
    second(x, r);
    V d[K + 1], h0[K + 1];
    entries(r, d, h0, nullptr, nullptr);
    const V inf(std::numeric_limits<S>::infinity()), at_inf = x.abs() == inf;
    V gd[K];
    if (any(at_inf)) {  // with_limits: the entries at +-1e300 and +-1e150
      Second rf, rn;
      second(copysign(V(S(1e300)), x), rf);
      second(copysign(V(S(1e150)), x), rn);
      V df[K + 1], hf[K + 1], dn[K + 1], hn[K + 1], abf[NA][NB], bbf[NB][NB], abn[NA][NB], bbn[NB][NB];
      entries(rf, df, hf, abf, bbf);
      entries(rn, dn, hn, abn, bbn);
      const auto merge = [&](const V& far, const V& nearer) {
        const V tiny(S(1e-100)), diff = (far - nearer).abs();
        const V grow = (diff > tiny + V(S(1e-9)) * nearer.abs()) & (far == far);
        return sel(grow, copysign(inf, far), sel(far.abs() <= tiny, zero<V>(), far));
      };
      for (std::size_t i = 0; i <= K; ++i) {
        d[i] = sel(at_inf, merge(df[i], dn[i]), d[i]);
        h0[i] = sel(at_inf, merge(hf[i], hn[i]), h0[i]);
      }
      for (int j = 0; j < NA; ++j) {
        for (int c = 0; c < NB; ++c) abf[j][c] = merge(abf[j][c], abn[j][c]);
      }
      for (int c = 0; c < NB; ++c) {
        for (int e = c; e < NB; ++e) bbf[c][e] = merge(bbf[c][e], bbn[c][e]);
      }
      gw_dense(g, tx, tw, h0, abf, bbf, gd);
    }
    V acc = d[0] * tx, rx = h0[0] * tx;
    for (std::size_t i = 0; i < K; ++i) acc = acc + d[1 + i] * tw[i], rx = rx + h0[1 + i] * tw[i];
    dg = acc;
    V tb = zero<V>(), fdk[NB];
    for (int c = 0; c < NB; ++c) tb = tb + tw[NA + c] * r.xk[c], fdk[c] = r.f * r.dk[c];
    const V dq = tx * (r.q1 / r.q) + r.sg * tb;
    gw_of(g, tx, r.aa, r.dj, fdk, r.sg, dq, acc - r.f * dq, gw);
    if (any(at_inf)) {
      for (std::size_t j = 0; j < K; ++j) gw[j] = sel(at_inf, gd[j], gw[j]);
    }
    return g * rx;
  }
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    if constexpr (!is_float<V>) {
      return vjp2_declared(g, x, tx, tw, dg, gw);
    } else {
      const V out = vjp2_small(g, x, tx, tw, dg, gw), big = x.abs() > V(kBig);
      if (!any(big)) return out;
      V dgb, gb[K];
      const V outb = vjp2_big(g, x, tx, tw, dgb, gb);
      const V at_inf = x.abs() == V(std::numeric_limits<S>::infinity());
      if (any(at_inf)) {
        V gi[K];
        gw_at_inf(g, x, tx, tw, gi);
        for (std::size_t j = 0; j < K; ++j) gb[j] = sel(at_inf, gi[j], gb[j]);
      }
      for (std::size_t j = 0; j < K; ++j) gw[j] = sel(big, gb[j], gw[j]);
      dg = sel(big, dgb, dg);
      return sel(big, outb, out);
    }
  }
};

// PAU (safe, degrees 5/4) and Rational (degrees 3/2): RationalUnit above
template <class V>
struct PAU : RationalUnit<V, 5, 4, true> {
  using RationalUnit<V, 5, 4, true>::RationalUnit;
};
template struct ParametricOps<PAU, std::make_index_sequence<2>>;

template <class V>
struct Rational : RationalUnit<V, 3, 2, false> {
  using RationalUnit<V, 3, 2, false>::RationalUnit;
};
template struct ParametricOps<Rational, std::make_index_sequence<2>>;

// ACON-C: z sigma(u) + p2 x, z = (p1 - p2) x, u = beta z; df/dx = (p1 - p2) S1 + p2, S1 = sigma + u sigma';
// df/dp1 = x S1, df/dp2 = x (sigma(-u) - u sigma') (no cancellation), df/dbeta = z^2 sigma'(u)
// (0 where sigma' has underflowed, x 0 in products with 0: the declaration's safe_mul); x = +-inf: the
// slope p1 (u > 0), p2 (u < 0), (p1 + p2)/2 (u = 0), 0 times inf being 0. float32: p1 - p2 and z as
// hi + lo, u's rounding error put back to first order (swish.h's z_lo: the tails of sigma stay accurate)
template <class V>
struct ACON : Act<V> {
  static constexpr std::size_t K = 3;
  using S = Scalar<V>;
  V p1, p2, beta, dp, dp_lo, dp_rel;
  explicit ACON(const V* w) : p1(w[0]), p2(w[1]), beta(w[2]), dp(w[0] - w[1]) {
    if constexpr (is_float<V>) {
      dp_lo = two_sum(p1, p2.neg()).second;
      dp_rel = sel(dp == zero<V>(), zero<V>(), dp_lo / dp);
    } else {
      dp_lo = dp_rel = zero<V>();
    }
  }
  // z = dp x, u = beta z and u's rounding error
  ACTLAB_INLINE std::tuple<V, V, V> zu(const V& x) const {
    const V z = dp * x, u = beta * z;
    if constexpr (is_float<V>) {
      const V inf(std::numeric_limits<float>::infinity());
      const V zl = fma(dp, x, z.neg()) + dp_lo * x;
      const V ul = sel(u.abs() < inf, fma(beta, z, u.neg()) + beta * zl, zero<V>());
      return {z, u, sel(ul.isnan(), zero<V>(), ul)};
    } else {
      return {z, u, zero<V>()};
    }
  }
  // x = +-inf: the slope as x -> +-inf times x (0 for a zero slope)
  ACTLAB_INLINE V at_inf(const V& x, const V& u) const {
    const V coef = sel(u > zero<V>(), p1, sel(u < zero<V>(), p2, V(S(0.5)) * dp + p2));
    return lin(coef, x);
  }
  ACTLAB_INLINE V f(V x) const {
    const auto [z, u, ul] = zu(x);
    V y = swish_f(z, beta, is_float<V> ? &ul : nullptr, std::numeric_limits<S>::infinity());
    if constexpr (is_float<V>) y = fma(y, dp_rel, y);
    y = sel(z == zero<V>(), zero<V>(), y) + lin(p2, x);
    return sel(x.abs() == V(std::numeric_limits<S>::infinity()), at_inf(x, u), y);
  }
  // u clamped, sigma'(u), S1 and 1 - S1 (sigma(-u) - u sigma'), with z and u's rounding error
  struct Parts {
    V z, u, ul, uc, sp, s1, off, e, rd;  // e = e^{-|u|} (float32: >= e^-87), rd = 1/(1 + e)
  };
  ACTLAB_INLINE Parts parts(const V& x) const {
    const V one(S(1));
    const auto [z, u, ul] = zu(x);
    const V uc = clamp(u, V(S(-kExpUnderflow)), V(S(kExpUnderflow))), negu = uc <= zero<V>();
    V e;
    if constexpr (is_float<V>) {
      e = exp_fast(at::vec::maximum(uc.abs().neg(), V(-87.0f)));
    } else {
      e = vexp(uc.abs().neg());  // Sleef's, as torch's exp of float64 (the declaration's)
    }
    const V d = one + e, inv = one / (d * d);
    const V sp0 = e * inv, s = sel(negu, e * d, d) * inv, s_neg = sel(negu, d, e * d) * inv;
    V s1, sp = sp0;
    if constexpr (is_float<V>) {  // swish.h's swish_df: no cancellation at S1's zero
      s1 = sel(negu, e * ((one + min0(uc)) + e), d + uc * e) * inv;
      s1 = fma(sp0 * (V(2.0f) + uc * (one - V(2.0f) * s)), ul, s1);
    } else {  // the declaration's (_math.swish_prime)
      sp = e / (d * d);
      s1 = sel(negu, (e * ((one + min0(uc)) + e)) / (d * d), sigmoid_from(uc, e) + uc * sp);
    }
    const V tail = uc < V(S(kTail));
    if (any(tail)) {  // sigma = sigma' = e^u: S1 = (1 + u) e^u, sigma' into the subnormals
      const V ut = sel(tail, uc, zero<V>());
      V far = exp_tail_times(one + uc, ut), far_sp = exp_tail_times(one, ut);
      if constexpr (is_float<V>) far = fma(far, ul, far);
      s1 = sel(tail, far, s1);
      sp = sel(tail, far_sp, sp);
    }
    const V off = sel(u.abs() == V(std::numeric_limits<S>::infinity()), one - s1, s_neg - uc * sp);
    return {z, u, ul, uc, sp, s1, off, e, d * inv};
  }
  // df/dx (the slope at x = +-inf)
  ACTLAB_INLINE V dfdx(const V& x, const Parts& p) const {
    const V dx = fma(dp, p.s1, p2) + dp_lo * p.s1;
    const V inf(std::numeric_limits<S>::infinity());
    return sel(x.abs() == inf, sel(p.u > zero<V>(), p1, sel(p.u < zero<V>(), p2, V(S(0.5)) * dp + p2)), dx);
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const Parts p = parts(x);
    const V z = p.z, s1 = p.s1, off = p.off, sp = p.sp;
    gw[0] = g * safe_mul(x, s1);
    gw[1] = g * safe_mul(x, off);
    gw[2] = g * safe_mul(z * z, sp);
    return g * dfdx(x, p);
  }
  // S2 = sigma'(u) (2 - u tanh(u/2)) (swish''), sigma'' = -sigma' tanh(u/2); f_xx = beta dp^2 S2,
  // f_x,p1 = S1 + dp (beta x) S2, f_x,p2 = (1 - S1) - dp (beta x) S2, f_x,beta = dp z S2, f_p,p' = +-beta x^2 S2,
  // f_p,beta = +-z x S2, f_beta,beta = z^3 sigma'': the declaration's products (safe_mul: 0 where a
  // factor is 0) and sums in order. float32: sigma' = e^{-u} scaled above u = 64 too (parts clamps e^{-|u|}
  // at e^-87 there: S2 ~ -u e^{-u} would keep e^-87), S2 with u's rounding error put back to first order,
  // S2 + S3 ul, S3 = swish''' = -sigma' (3 th + u (1/2 - 3 th^2/2)), th = tanh(u/2)
  // (where every |x|, |z|, |beta x| < 2^30 the products are finite: plain products, the same values
  // but the sign of a zero; else the declaration's safe_mul)
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    const V lim(S(1073741824.0)), z = dp * x;
    if (all((x.abs() < lim) & (z.abs() < lim) & ((beta * x).abs() < lim))) return vjp2_of<true>(g, x, tx, tw, dg, gw);
    return vjp2_of<false>(g, x, tx, tw, dg, gw);
  }
  template <bool Plain>
  ACTLAB_INLINE V vjp2_of(const V& g, const V& x, const V& tx, const V* tw, V& dg, V* gw) const {
    const V two(S(2));
    const Parts p = parts(x);
    const auto safe_mul = [](const V& a, const V& b) ACTLAB_INLINE_LAMBDA { return Plain ? a * b : ACON::safe_mul(a, b); };
    V th;  // tanh(u/2): float32 sign(u) (1 - e)/(1 + e) from parts' e (no second exponential), float64 the declaration's
    if constexpr (is_float<V>) {
      th = copysign((V(1.0f) - p.e) * p.rd, p.uc);
    } else {
      th = vtanh(V(S(0.5)) * p.uc);
    }
    const V z = p.z;
    V sp = p.sp, off = p.off;
    if constexpr (is_float<V>) {  // and 1 - S1 = e^{-u} (1 - u) there (parts': e^-87 (1 - u))
      const V far = p.uc > V(S(-kTail)), uf = sel(far, p.uc.neg(), zero<V>());
      if (any(far)) {
        sp = sel(far, exp_tail_times(V(1.0f), uf), sp);
        const V fin = p.u.abs() < V(std::numeric_limits<float>::infinity());
        off = sel(far & fin, exp_tail_times(V(1.0f) - p.uc, uf), off);
      }
    }
    V s2 = sp * (two - p.uc * th);
    if constexpr (is_float<V>) {
      const V s3 = sp * (V(3.0f) * th + p.uc * (V(0.5f) - V(1.5f) * th * th));
      s2 = fma(s3.neg(), p.ul, s2);
    }
    const V spp = sp.neg() * th, bx = beta * x, xs2 = safe_mul(x, s2), bxs2 = safe_mul(bx, s2);
    const V d0 = dfdx(x, p), d1 = safe_mul(x, p.s1), d2 = safe_mul(x, off), d3 = safe_mul(safe_mul(z, z), sp);
    const V h00 = ((beta * dp) * dp) * s2, h01 = p.s1 + dp * bxs2, h02 = off - dp * bxs2;
    const V h03 = dp * safe_mul(z, s2), h11 = beta * safe_mul(x, xs2), h12 = h11.neg(), h13 = safe_mul(z, xs2);
    const V h33 = safe_mul(safe_mul(safe_mul(z, z), z), spp);
    dg = ((d0 * tx + d1 * tw[0]) + d2 * tw[1]) + d3 * tw[2];
    gw[0] = g * (((h01 * tx + h11 * tw[0]) + h12 * tw[1]) + h13 * tw[2]);
    gw[1] = g * (((h02 * tx + h12 * tw[0]) + h11 * tw[1]) + h13.neg() * tw[2]);
    gw[2] = g * (((h03 * tx + h13 * tw[0]) + h13.neg() * tw[1]) + h33 * tw[2]);
    return g * (((h00 * tx + h01 * tw[0]) + h02 * tw[1]) + h03 * tw[2]);
  }
  // a b, 0 where either is 0 (no 0 * inf)
  static ACTLAB_INLINE V safe_mul(const V& a, const V& b) {
    return sel((a == zero<V>()) | (b == zero<V>()), zero<V>(), a * b);
  }
};
template struct ParametricOps<ACON, std::make_index_sequence<3>>;

}  // namespace actlab
