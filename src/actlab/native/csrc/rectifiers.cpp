// Rectifiers (activations/rectifiers.py, modern.py): Threshold, ReLU, ReLU6, LeakyReLU, RReLU
// (evaluation), SquaredReLU, HardMish. Piecewise linear or quadratic: exact, one pass.
#include "act.h"
#include "elementwise_impl.h"
#include "split_gate_impl.h"

namespace actlab {

// f = value if x <= threshold else x;  f' = [x > threshold] (1 at NaN, as torch)
template <class V>
struct Threshold : Piecewise<V> {
  V th, value;
  Threshold(double t, double v) : th(this->c(t)), value(this->c(v)) {}
  ACTLAB_INLINE V f(V x) const { return sel(x <= th, value, x); }
  ACTLAB_INLINE V df(V x) const { return sel(x <= th, zero<V>(), V(1)); }
  ACTLAB_INLINE V d2f(V) const { return zero<V>(); }
};

// f = max(0, x);  f' = [x > 0] (f'(0) = 0), the same written with y
template <class V>
struct Relu : Piecewise<V> {
  static constexpr const char* kSplitName = "reglu";
  ACTLAB_INLINE V f(V x) const { return max0(x); }
  ACTLAB_INLINE V df(V x) const { return sel(x <= zero<V>(), zero<V>(), V(1)); }
  ACTLAB_INLINE V d2f(V) const { return zero<V>(); }
  ACTLAB_INLINE V df_y(V y) const { return df(y); }
  ACTLAB_INLINE V d2f_y(V) const { return zero<V>(); }
};

// f = min(max(0, x), 6);  f' = [0 < x < 6]
template <class V>
struct Relu6 : Piecewise<V> {
  ACTLAB_INLINE V f(V x) const { return clamp(x, zero<V>(), V(6)); }
  ACTLAB_INLINE V df(V x) const { return sel((x <= zero<V>()) | (x >= V(6)), zero<V>(), V(1)); }
  ACTLAB_INLINE V d2f(V) const { return zero<V>(); }
  ACTLAB_INLINE V df_y(V y) const { return df(y); }
  ACTLAB_INLINE V d2f_y(V) const { return zero<V>(); }
};

// f = x if x > 0 else s x;  f' = 1 or s (f'(0) = s)
template <class V>
struct LeakySlope : Piecewise<V> {
  V s;
  explicit LeakySlope(double slope) : s(this->c(slope)) {}
  ACTLAB_INLINE V f(V x) const { return sel(x > zero<V>(), x, x * s); }
  ACTLAB_INLINE V df(V x) const { return sel(x > zero<V>(), V(1), s); }
  ACTLAB_INLINE V d2f(V) const { return zero<V>(); }
  ACTLAB_INLINE V df_y(V y) const { return df(y); }
  ACTLAB_INLINE V d2f_y(V) const { return zero<V>(); }
};

template <class V>
struct LeakyRelu : LeakySlope<V> {
  explicit LeakyRelu(double slope) : LeakySlope<V>(slope) {}
};

// evaluation mode: LeakyReLU with slope (lower + upper) / 2
template <class V>
struct Rrelu : LeakySlope<V> {
  Rrelu(double lower, double upper) : LeakySlope<V>((lower + upper) / 2) {}
};

// f = max(0, x)^2;  f' = 2 max(0, x);  f'' = 2 [x > 0]
template <class V>
struct SquaredRelu : Cheap<V> {
  ACTLAB_INLINE V f(V x) const {
    const V r = max0(x);
    return r * r;
  }
  ACTLAB_INLINE V df(V x) const { return V(2) * max0(x); }
  ACTLAB_INLINE V d2f(V x) const { return sel(x > zero<V>(), V(2), zero<V>()); }
};

// f = x/2 min(max(x + 2, 0), 2): 0 below -2, x (x + 2) / 2 on [-2, 0], x above
template <class V>
struct HardMish : Cheap<V> {
  ACTLAB_INLINE V f(V x) const {
    const V inner = sel(x <= V(-2), zero<V>(), min0(x));  // NaN stays NaN
    return sel(x >= zero<V>(), x, (V(0.5) * inner) * (inner + V(2)));
  }
  ACTLAB_INLINE V df(V x) const {
    const V inner = (x >= V(-2)) & (x <= zero<V>());
    return sel(inner, x + V(1), sel(x > zero<V>(), V(1), zero<V>()));
  }
  ACTLAB_INLINE V d2f(V x) const { return sel((x >= V(-2)) & (x <= zero<V>()), V(1), zero<V>()); }
};

template struct Elementwise<Threshold, double, double>;
template struct Elementwise<Relu>;
template struct Elementwise<Relu6>;
template struct Elementwise<LeakyRelu, double>;
template struct Elementwise<Rrelu, double, double>;
template struct Elementwise<SquaredRelu>;
template struct Elementwise<HardMish>;
template struct SplitGate<Relu>;

}  // namespace actlab
