// The sigmoidal family (activations/sigmoidal.py): Sigmoid, Tanh, Softsign, Hardsigmoid,
// Hardtanh, LogSigmoid.
#include "act.h"
#include "elementwise_impl.h"
#include "split_gate_impl.h"
#include "accurate.h"

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
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {
      return tanh_accurate(x);
    } else {
      return tanh_expm1(x);
    }
  }
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

template struct Elementwise<Sigmoid>;
template struct Elementwise<Tanh>;
template struct Elementwise<Softsign>;
template struct Elementwise<Hardsigmoid>;
template struct Elementwise<Hardtanh, double, double>;
template struct Elementwise<LogSigmoid>;
template struct SplitGate<Sigmoid>;

}  // namespace actlab
