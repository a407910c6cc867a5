// The periodic family's elementwise kernels (activations/periodic.py): GCU, Sinc. sin and cos are
// Sleef's (torch's) u10 in float32.
#include <cmath>

#include "act.h"
#include "elementwise_impl.h"

namespace actlab {

// sin and cos: Sleef's in float32; in float64 the C library's lane by lane (correctly rounded but for rare
// cases, as torch's MKL: f' = cos x - x sin x cancels near its zeros, where 1 ulp of Sleef's shows)
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

// x cos x;  f' = cos x - x sin x;  f'' = -2 sin x - x cos x
template <class V>
struct GCU : Act<V> {
  ACTLAB_INLINE V f(V x) const { return x * vcos(x); }
  ACTLAB_INLINE V df(V x) const { return vcos(x) - x * vsin(x); }
  ACTLAB_INLINE V d2f(V x) const { return V(-2) * vsin(x) - x * vcos(x); }
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
template struct Elementwise<Sinc>;

}  // namespace actlab
