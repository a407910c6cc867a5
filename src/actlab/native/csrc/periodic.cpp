// The periodic family's elementwise kernels (activations/periodic.py): GCU, Sine, Sinc. sin and cos are
// Sleef's (torch's) u10 in float32 but for Sine's (its own reduction and polynomials, below).
#include <cmath>
#include <tuple>
#include <utility>

#include "act.h"
#include "compensated.h"
#include "elementwise_impl.h"
#include "parametric_impl.h"
#include "trig.h"

namespace actlab {

// x cos x;  f' = cos x - x sin x;  f'' = -2 sin x - x cos x
template <class V>
struct GCU : Act<V> {
  ACTLAB_INLINE V f(V x) const { return x * vcos(x); }
  ACTLAB_INLINE V df(V x) const { return vcos(x) - x * vsin(x); }
  ACTLAB_INLINE V d2f(V x) const { return V(-2) * vsin(x) - x * vcos(x); }
};

// ==== Sine: sin(w0 x), float32 by its own reduction (the same bits for every vector width) =========
// w0 x = zh + zl (zl = fma(w0, x, -zh) + w0_lo x), k = round(zh 2/pi), r = zh + zl - k pi/2 carried as
// rh + rl (pi/2 in 3 floats, 72 bits; zh - k P1 is exact by fma, the rest by TwoSums), then Cephes'
// sinf/cosf polynomials on |r| <= pi/4, corrected by rl, and the quadrant k mod 4. Lanes with
// |zh| >= kSineBound, or non-finite: sin and cos of the declaration's float64 w0 x, lane by lane (the
// same scalar code on AVX2 and AVX-512).
inline constexpr float kPio2Hi = 0x1.921fb6p+0f, kPio2Mid = -0x1.777a5cp-25f, kPio2Lo = -0x1.ee59dap-50f;
inline constexpr float kTwoOverPi = 0x1.45f306p-1f, kSineBound = 0x1p15f;

// sin r, cos r for |r| <= pi/4 (Cephes' minimax coefficients)
template <class V>
ACTLAB_INLINE std::pair<V, V> sin_cos_quarter(const V& r) {
  const V z = r * r;
  const V sp = fma(fma(V(-1.9515295891e-4f), z, V(8.3321608736e-3f)), z, V(-1.6666654611e-1f));
  const V cp = fma(fma(V(2.443315711809948e-5f), z, V(-1.388731625493765e-3f)), z, V(4.166664568298827e-2f));
  return {fma(r * z, sp, r), fma(z * z, cp, fma(V(-0.5f), z, V(1.0f)))};
}

// sin, cos of zh + zl for |zh| < kSineBound (float32)
template <class V>
ACTLAB_INLINE std::pair<V, V> sin_cos_reduced(const V& zh, const V& zl) {
  const V k = (zh * V(kTwoOverPi)).round();
  const V a = fma(k.neg(), V(kPio2Hi), zh);  // exact
  const V bh = k * V(kPio2Mid), bl = fma(k, V(kPio2Mid), bh.neg());
  const auto [u, ue] = two_sum(a, zl);
  const auto [v, ve] = two_sum(u, bh.neg());
  const V lo = ((ue + ve) - bl) - k * V(kPio2Lo);
  const V rh = v + lo, rl = (v - rh) + lo;
  const auto [s, c] = sin_cos_quarter(rh);
  const V sr = fma(c, rl, s), cr = fma(s.neg(), rl, c);
  const V q = k - V(4.0f) * (k * V(0.25f)).floor();  // k mod 4
  const V odd = (q == V(1.0f)) | (q == V(3.0f));
  const V sn = sel(odd, cr, sr), cs = sel(odd, sr, cr);
  return {sel(q >= V(2.0f), sn.neg(), sn), sel((q == V(1.0f)) | (q == V(2.0f)), cs.neg(), cs)};
}

// sin(w0 x);  f' = w0 cos(w0 x);  f'' = -w0^2 sin(w0 x)
template <class V>
struct Sine : Act<V> {
  V w0, w0_lo, w02;
  double w64;
  explicit Sine(double w)
      : w0(this->c(w)), w0_lo(this->c(w - static_cast<double>(static_cast<Scalar<V>>(w)))), w02(this->c(w * w)),
        w64(w) {}
  // lanes beyond the reduction's bound: sin and cos of the float64 w0 x, as the declaration
  __attribute__((noinline)) std::pair<V, V> lanewise(const V& x) const {
    Scalar<V> xs[V::size()], sn[V::size()], cs[V::size()];
    x.store(xs);
    for (int i = 0; i < V::size(); ++i) {
      const double z = w64 * static_cast<double>(xs[i]);
      sn[i] = static_cast<Scalar<V>>(std::sin(z));
      cs[i] = static_cast<Scalar<V>>(std::cos(z));
    }
    return {V::loadu(sn), V::loadu(cs)};
  }
  // (sin, cos) of w0 x
  ACTLAB_INLINE std::pair<V, V> sin_cos(V x) const {
    if constexpr (is_float<V>) {
      const V zh = w0 * x, inside = zh.abs() < V(kSineBound), xi = sel(inside, x, zero<V>()), zi = w0 * xi;
      auto [sn, cs] = sin_cos_reduced(zi, fma(w0, xi, zi.neg()) + w0_lo * xi);
      sn = sel(zi == zero<V>(), zi, sn);  // sin(+-0) = +-0
      if (!all(inside)) {
        const auto [so, co] = lanewise(x);
        sn = sel(inside, sn, so);
        cs = sel(inside, cs, co);
      }
      return {sn, cs};
    } else {
      const V z = w0 * x;
      return {vsin(z), vcos(z)};
    }
  }
  ACTLAB_INLINE V f(V x) const { return sin_cos(x).first; }
  ACTLAB_INLINE V df(V x) const { return w0 * sin_cos(x).second; }
  ACTLAB_INLINE V d2f(V x) const { return w02.neg() * sin_cos(x).first; }
};

// sinc' = x sum_k c_k x^(2k-2), sinc'' = sum_k d_k x^(2k-2) (periodic.py's _sinc_series(12))
inline constexpr double kSincD1[] = {-0.3333333333333333, 0.03333333333333333, -0.0011904761904761906, 2.2045855379188714e-05,
    -2.505210838544172e-07, 1.9270852604185937e-09, -1.0706029224547743e-11, 4.498331606952833e-14,
    -1.4797143443923793e-16, 3.9145882126782523e-19, -8.509974375387505e-22, 1.5472680682522736e-24};
inline constexpr double kSincD2[] = {-0.3333333333333333, 0.1, -0.005952380952380952, 0.00015432098765432098,
    -2.2546897546897547e-06, 2.1197937864604532e-08, -1.3917837991912066e-10, 6.74749741042925e-13,
    -2.515514385467045e-15, 7.437717604088679e-18, -1.787094618831376e-20, 3.5587165569802293e-23};

// sin x / x (1 at 0, 0 at +-inf);  f' = (cos x - f) / x, by its series below 1/2 (float32: below 2, where
// the float32 difference cancels up to 12 times);  f'' = -f - 2 f' / x, by its series below 1/2
template <class V>
struct Sinc : Act<V> {
  static constexpr float kSeriesCut32 = 2.0f;
  ACTLAB_INLINE V f(V x) const {
    const V zero_or_inf = (x == zero<V>()) | (x.abs() == V(INFINITY)), xc = sel(zero_or_inf, V(1), x);
    const V y = sel(x == zero<V>(), V(1), sel(x.abs() == V(INFINITY), zero<V>(), xc.sin() / xc));
    return sel(x != x, x, y);
  }
  ACTLAB_INLINE V df(V x) const {
    const V cut = is_float<V> ? V(kSeriesCut32) : V(0.5), small = x.abs() < cut, inf = x.abs() == V(INFINITY);
    const V xs = sel(small, x, zero<V>()), xc = sel(small | inf, V(1), x);
    V series;
    if constexpr (is_float<V>) {
      series = xs * horner(xs * xs, kSincD1);
    } else {
      series = xs * horner_unfused(xs * xs, kSincD1);
    }
    const V closed = sel(inf, zero<V>(), (xc.cos() - xc.sin() / xc) / xc);
    return sel(small, series, closed);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V small = x.abs() < V(0.5), inf = x.abs() == V(INFINITY);
    const V xs = sel(small, x, zero<V>()), xc = sel(small | inf, V(1), x), sinc = xc.sin() / xc;
    const V d1 = (xc.cos() - sinc) / xc;
    return sel(small, horner_unfused(xs * xs, kSincD2), sel(inf, zero<V>(), sinc.neg() - (V(2) * d1) / xc));
  }
};

template struct Elementwise<GCU>;
template struct Elementwise<Sine, double>;
template struct Elementwise<Sinc>;

// ==== learnable (kinds.Parametric) kernels: parametric_impl.h =====================================
// Snake (periodic.py): f = x + x sin(t) sinc(t) = x + sin^2(t)/a, t = a x; df/dx = (sin t + cos t)^2;
// df/da = x^2 h(t), h = 2 sinc(2t) - sinc(t)^2 = sinc(t)(2 cos t - sinc(t)). sin t, cos t: trig.h.
// float32, for the declaration's float64 (exact a x) to a few ulps: f = x + sin^2(t)/a added as
// double-float (it cancels where f crosses 0), and df/dx = 2 sin^2(t + pi/4) with t + pi/4 carried
// as hi + lo (sin t + cos t cancels at its zeros).
// h'(t) = t sum_i c_i t^2i (periodic.py's _H_PRIME)
inline constexpr double kSnakeHPrime[] = {-2.0, 0.8888888888888888, -0.13333333333333333, 0.010158730158730159,
    -0.00047031158142269255, 1.4659062278109898e-05, -3.2888921777810664e-07, 5.568494692539372e-09,
    -7.370066504831522e-11, 7.836328022149411e-13, -6.841238749495518e-15, 4.992086652109834e-17};
inline constexpr float kQuarterPiHi = 0.785398185253143310546875f, kQuarterPiLo = -2.18556950e-08f;

template <class V>
struct Snake : Act<V> {
  static constexpr std::size_t K = 1;
  using S = Scalar<V>;
  V a;
  explicit Snake(const V* w) : a(w[0]) {}
  ACTLAB_INLINE V f(V x) const {
    const V t = a * x, inf(std::numeric_limits<S>::infinity());
    const V sn = sin_of_product(a, x, t);
    if constexpr (is_float<V>) {
      const V p = sn * sn, pl = fma(sn, sn, p.neg());
      const V q = sel(t == zero<V>(), zero<V>(), p / a);
      const V ql = sel(t == zero<V>(), zero<V>(), (fma(q.neg(), a, p) + pl) / a);
      const V s = x + q, bb = s - x, err = (x - (s - bb)) + (q - bb);
      return sel(t.abs() == inf, x, s + (err + ql));
    } else {
      const V sc = sel(t == zero<V>(), V(S(1)), sn / t);
      return sel(x.abs() == inf, x, x + x * (sn * sc));
    }
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const V t = a * x;
    const auto [sn, cs] = sin_cos_of_product(a, x, t);
    const V sc = sel(t == zero<V>(), V(S(1)), sn / t);
    gw[0] = g * ((x * x) * (sc * (V(S(2)) * cs - sc)));
    if constexpr (is_float<V>) {
      const V tl = sel(t.abs() < V(std::numeric_limits<float>::infinity()), fma(a, x, t.neg()), zero<V>());
      const V uh = t + V(kQuarterPiHi), bb = uh - t;
      const V ul = ((t - (uh - bb)) + (V(kQuarterPiHi) - bb)) + (tl + V(kQuarterPiLo));
      const V su = sin_cos_corrected(uh, ul).first, d = sn + cs;  // |t| >= 2^22: pi/4 is no small correction
      return g * sel(t.abs() < V(4194304.0f), V(2.0f) * (su * su), d * d);
    } else {
      const V d = sn + cs;
      return g * (d * d);
    }
  }
  // f_xx = 2a cos 2t, f_xa = 2x cos 2t, f_aa = x^3 h'(t), h'(t) = 2(t^2 cos 2t - t sin 2t + sin^2 t)/t^3,
  // by its series below |t| = 1/2 (the declaration's SNAKE_SERIES_CUT). float32: sin 2t, cos 2t by the
  // product a x carried as t + tl (trig.h; the double angle of sin t, cos t cancels where cos 2t is small); float64: of 2t, as the declaration
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    V fa;  // (x^2 h: the product below keeps the declaration's order)
    const V fx = vjp(V(S(1)), x, &fa), t = a * x, two(S(2));
    const auto [sp, cp] = sin_cos_of_product(a, x, t);
    const V sc = sel(t == zero<V>(), V(S(1)), sp / t), h = sc * (two * cp - sc);
    V s2, c2, sn;
    if constexpr (is_float<V>) {
      const V tl = sel(t.abs() < V(std::numeric_limits<float>::infinity()), fma(a, x, t.neg()), zero<V>());
      std::tie(s2, c2) = sin_cos_corrected(two * t, two * tl);
      sn = sin_cos_corrected(t, tl).first;
    } else {
      s2 = vsin(two * t);
      c2 = vcos(two * t);
      sn = vsin(t);
    }
    const V small = t.abs() < V(S(0.5)), u = sel(small, t, zero<V>()), w = sel(small, V(S(1)), t);
    V series;
    if constexpr (is_float<V>) {
      series = u * horner(u * u, kSnakeHPrime);
    } else {
      series = u * horner_unfused(u * u, kSnakeHPrime);
    }
    const V closed = (two * (((w * w) * c2 - w * s2) + sn * sn)) / ((w * w) * w);
    const V hp = sel(small, series, closed), fxa = (two * x) * c2;
    dg = tx * fx + ((tw[0] * x) * x) * h;  // the declaration's order: 0 * x^2 h is 0 where x^2 overflows
    gw[0] = g * (tx * fxa + (((tw[0] * x) * x) * x) * hp);
    return g * (((tx * two) * a) * c2 + tw[0] * fxa);
  }
};
template struct ParametricOps<Snake, std::make_index_sequence<1>>;

}  // namespace actlab
