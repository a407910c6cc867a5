// The shrinkage family (activations/shrinkage.py): Hardshrink, Softshrink, Tanhshrink.
#include "act.h"
#include "elementwise_impl.h"

namespace actlab {

// 0 on [-lambda, lambda], x outside;  f' = [|x| > lambda] (1 at NaN)
template <class V>
struct Hardshrink : Piecewise<V> {
  V lambd;
  explicit Hardshrink(double l) : lambd(this->c(l)) {}
  ACTLAB_INLINE V dead(V x) const { return (x >= lambd.neg()) & (x <= lambd); }
  ACTLAB_INLINE V f(V x) const { return sel(dead(x), zero<V>(), x); }
  ACTLAB_INLINE V df(V x) const { return sel(dead(x), zero<V>(), V(1)); }
  ACTLAB_INLINE V d2f(V) const { return zero<V>(); }
};

// x - lambda sign(x) outside [-lambda, lambda], 0 (x * 0: the sign of x) inside
template <class V>
struct Softshrink : Hardshrink<V> {
  explicit Softshrink(double l) : Hardshrink<V>(l) {}
  ACTLAB_INLINE V f(V x) const {
    const V l = this->lambd;
    return sel(x > l, x - l, sel(x < l.neg(), x + l, x * zero<V>()));
  }
};

// Coefficients p_k of x - tanh x = x^3 sum_k p_k x^{2k} (_math._TANH_TAYLOR, exact rationals
// rounded once to double; the float32 kernel rounds them to float as torch does)
inline constexpr double kTanhTaylor[] = {
    0.3333333333333333,     -0.13333333333333333,   0.05396825396825397,    -0.021869488536155203,
    0.008863235529902197,   -0.003592128036572481,  0.0014558343870513183,  -0.000590027440945586,
    0.00023912911424355248, -9.691537956929451e-05, 3.927832388331683e-05,  -1.5918905069328964e-05,
    6.451689215655431e-06,  -2.6147711512907546e-06, 1.0597268320104654e-06, -4.294911078273806e-07,
    1.7406618963571648e-07, -7.054636946400968e-08, 2.859136662305254e-08};

// x - tanh x (_math.x_minus_tanh): Taylor series below c (float32: c = 1, 19 terms; float64:
// c = 0.5, 17 terms), sign(x)((|x| - 1) + 2/(1 + e^{2|x|})) above (|x| - tanh|x| on [0.5, 1) in
// float64);  f' = tanh^2 x;  f'' = 2 tanh x sech^2 x
template <class V>
struct Tanhshrink : Act<V> {
  static constexpr bool kF32 = is_float<V>;
  static constexpr int kTerms = kF32 ? 19 : 17;
  ACTLAB_INLINE V f(V x) const {
    using S = Scalar<V>;
    const V one(1), cut(kF32 ? 1.0 : 0.5), a = x.abs(), small = a < cut;
    const V u = sel(small, x, zero<V>()), u2 = u * u;
    V acc(static_cast<S>(kTanhTaylor[kTerms - 1]));
    for (int i = kTerms - 2; i >= 0; --i) acc = acc * u2 + V(static_cast<S>(kTanhTaylor[i]));
    const V series = u * (u2 * acc);
    const V al = sel(small, one, a);
    V far = (al - one) + V(2) / (one + vexp(V(2) * al));
    if constexpr (!kF32) far = sel(al < one, al - tanh_expm1(al), far);
    return sel(small, series, copysign(far, x));
  }
  ACTLAB_INLINE V df(V x) const {
    const V t = tanh_expm1(x);
    return t * t;
  }
  ACTLAB_INLINE V d2f(V x) const { return (V(2) * tanh_expm1(x)) * sech2(x); }
};

template struct Elementwise<Hardshrink, double>;
template struct Elementwise<Softshrink, double>;
template struct Elementwise<Tanhshrink>;

}  // namespace actlab
