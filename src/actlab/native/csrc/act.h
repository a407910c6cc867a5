// What the activations share: the base of an activation class and the stable building blocks
// of actlab/_math.py, in the same order of operations (so that the float64 kernels round as the
// declarations do, and the float32 ones where the declaration is float32 too).
#pragma once

#include "accurate.h"
#include "loop.h"
#include "vec.h"

namespace actlab {

template <class V>
struct Act {
  using Vec = V;
  using S = Scalar<V>;
  static V c(double v) { return V(static_cast<S>(v)); }  // a constant, rounded to S once
  static constexpr int64_t grain = kGrain;                // elements per thread task (loop.h)
  static constexpr bool linear = false;                   // piecewise linear: f'' = 0
  static constexpr bool direct_half = false;              // bfloat16/half without buffers (loop.h)
  static constexpr bool tabulate = true;                  // large bfloat16/half by table (tables.h)
};

// A cheap body (selects, a short polynomial): memory-bound, so bfloat16/half run on their
// storage (loop.h), computed, not looked up (a lookup costs more: tables.h)
template <class V>
struct Cheap : Act<V> {
  static constexpr bool direct_half = true;
  static constexpr bool tabulate = false;
};

// A piecewise-linear activation: cheap, and f'' = 0, so the double backward's d/dx is zeros (as
// torch's) without reading g or x. Exactly the declarations with piecewise_linear = True
// (tests/ops/test_partials.py checks)
template <class V>
struct Piecewise : Cheap<V> {
  static constexpr bool linear = true;
};

inline constexpr double kTail = -64.0;              // _math.TAIL
inline constexpr double kExpTail = 1.603810890548638e-28;  // exp(-64)
inline constexpr double kExpUnderflow = 800.0;      // _math.EXP_UNDERFLOW

// e^y lane by lane by the C library (correctly rounded but for rare cases, as torch's exp of a
// float64 tensor, MKL's): for float64 kernels whose declaration amplifies the rounding of an
// exponential (e^{-e^x}: e^x times), where Sleef's 1 ulp would show as hundreds
ACTLAB_INLINE Vectorized<double> exp_libm(const Vectorized<double>& y) {
  return y.map([](double v) { return std::exp(v); });
}

// expm1(x) for x <= 0: accurate.h's in float32, Sleef's (torch's) in float64
template <class V>
ACTLAB_INLINE V expm1_nonpos(const V& x) {
  if constexpr (is_float<V>) {
    return expm1_neg(x);
  } else {
    return x.expm1();
  }
}

// sigma(x) = 1/(1+e) for x >= 0, e/(1+e) below, e = exp(-|x|) (one division)
template <class V>
ACTLAB_INLINE V sigmoid_from(const V& x, const V& e) {
  const V one(Scalar<V>(1));
  return sel(x >= zero<V>(), one, e) / (one + e);
}

// float32: 1/(1 + e^{-x}) (as accurate: no cancellation; exp_fast's error is rounded away), e^x
// below -80 (where e^{-x} overflows)
template <class V>
ACTLAB_INLINE V sigmoid(const V& x) {
  if constexpr (is_float<V>) {
    const V s = V(1.0f) / (V(1.0f) + exp_fast(clamp(x.neg(), V(-87.0f), V(87.0f)))), low = x < V(-80.0f);
    return any(low) ? sel(low, vexp(x), s) : s;
  } else {
    return sigmoid_from(x, vexp(x.abs().neg()));
  }
}

// sigma'(x) = e / (1+e)^2, e = exp(-|x|)
template <class V>
ACTLAB_INLINE V sigmoid_prime_from(const V& e) {
  const V d = V(Scalar<V>(1)) + e;
  return e / (d * d);
}

// a e^x for x < -64 (clamped >= -800): (a e^(x + 64)) e^-64, one rounding into the subnormals
template <class V>
ACTLAB_INLINE V exp_tail_times(const V& a, const V& x) {
  using S = Scalar<V>;
  return (a * vexp(x - V(S(kTail)))) * V(S(kExpTail));
}

// a e^{-|x|} / (1 + e^{-|x|})^2; float32: a e^{-|x|} (scaled) once e^{-|x|} is subnormal
template <class V>
ACTLAB_INLINE V scaled_bell(const V& x, const V& a) {
  const V ax = x.abs();
  if constexpr (is_float<V>) {
    const V e = exp_fast(at::vec::maximum(ax.neg(), V(-87.0f))), d = V(1.0f) + e;
    const V near = (a * e) / (d * d), far = ax > V(80.0f);
    if (any(far)) return sel(far, exp_tail_times(a, at::vec::clamp_max(ax, V(800.0f)).neg()), near);
    return near;
  } else {
    const V e = vexp(ax.neg()), d = V(1.0) + e;
    return (a * e) / (d * d);
  }
}

template <class V>
ACTLAB_INLINE V sigmoid_prime(const V& x) {
  if constexpr (is_float<V>) {
    return scaled_bell(x, V(1.0f));
  } else {
    return sigmoid_prime_from(vexp(x.abs().neg()));
  }
}

// tanh x = sign(x) (-t / (2 + t)), t = expm1(-2|x|)   (_math.tanh)
template <class V>
ACTLAB_INLINE V tanh_expm1(const V& x) {
  const V t = expm1_nonpos(V(Scalar<V>(-2)) * x.abs());
  return copysign(t.neg() / (V(Scalar<V>(2)) + t), x);
}

// tanh x: tanh_accurate in float32 (<= 0.55 ulp), the declarations' expm1 form (_math.tanh) in float64
template <class V>
ACTLAB_INLINE V vtanh(const V& x) {
  if constexpr (is_float<V>) {
    return tanh_accurate(x);
  } else {
    return tanh_expm1(x);
  }
}

// sech^2 x = 4e / (1+e)^2, e = exp(-2|x|)
template <class V>
ACTLAB_INLINE V sech2(const V& x) {
  return scaled_bell(V(Scalar<V>(2)) * x, V(Scalar<V>(4)));
}

// log(1 + e^-|x|): float32 fused (log1p_exp), float64 the declaration's log1p(exp(-|x|))
template <class V>
ACTLAB_INLINE V log1p_exp_neg_abs(const V& x) {
  if constexpr (is_float<V>) {
    return log1p_exp(x.abs().neg());
  } else {
    return vexp(x.abs().neg()).log1p();
  }
}

// log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
template <class V>
ACTLAB_INLINE V softplus(const V& x) {
  return max0(x) + log1p_exp_neg_abs(x);
}

}  // namespace actlab
