// The gated family's elementwise kernels (activations/gated.py): x * gate(x), SiLU, Swish, QuickGELU,
// GELU (exact and tanh), Mish, Hardswish, SmoothHardswish, SERF, HardMish; the split gates SwiGLU
// and GeGLU (a split gate is instantiated beside its gate: GLU's in sigmoidal.cpp, ReGLU's in
// rectifier.cpp).
//
// Where a declaration computes float32 in float64 (GELU, QuickGELU, Mish, SmoothHardswish, SERF),
// the float32 kernel stays in float32 and corrects instead what float64 was there for: the
// rounding of the gate's argument (z = 1.702 x, x / sqrt 2, sqrt(2/pi)(x + 0.044715 x^3)), which
// the tail amplifies |z| times, is carried as z_hi + z_lo and put back to first order.
#include "act.h"
#include "elementwise_impl.h"
#include "split_gate_impl.h"
#include "gelu.h"

namespace actlab {

inline constexpr double kQuickBeta = 1.702;

// x sigma(beta x) (_math.swish), tail x e^z scaled; z_lo (float32
// QuickGELU only) is the rounding error of z = beta x, put back to first order.
template <class V>
ACTLAB_INLINE V swish_f(const V& x, const V& beta, const std::type_identity_t<V>* z_lo, Scalar<V> bound) {
  const V one(1), xc = at::vec::clamp_min(x, V(-bound)), z = beta * xc, zr = beta * x;
  V near;
  if constexpr (is_float<V>) {  // x / (1 + e^{-z}): exact enough for z >= -64 (e^{-z} finite)
    const V e = exp_fast(clamp(zr.neg(), V(-87.0f), V(87.0f))), d = one + e;
    near = z_lo ? (x * fma(e / d, *z_lo, one)) / d : x / d;  // sigma(z + lo) = sigma (1 + sigma(-z) lo)
  } else {
    near = xc * sigmoid_from(zr, vexp(zr.abs().neg()));
  }
  const V tail = z < V(kTail);
  if (!any(tail)) return near;
  V far = exp_tail_times(xc, sel(tail, z, zero<V>()));
  if (z_lo) far = fma(far, *z_lo, far);
  return sel(tail, far, near);
}

// sigma(z) + z sigma'(z) (_swish_prime) = N / (1 + e)^2, e = e^{-|z|}, with one division:
// N = e((1 + z) + e) for z <= 0 (1 + z exact near the zero at -1.28), (1 + e) + z e above
template <class V>
ACTLAB_INLINE V swish_df(const V& z, const std::type_identity_t<V>* z_lo = nullptr) {
  const V one(1), zc = clamp(z, V(-kExpUnderflow), V(kExpUnderflow));
  V e;
  if constexpr (is_float<V>) {
    e = exp_fast(at::vec::maximum(zc.abs().neg(), V(-87.0f)));  // below, e (z e) is under ulp(1)
  } else {
    e = vexp(zc.abs().neg());
  }
  const V d = one + e, d2 = d * d;
  const V neg = zc <= zero<V>();
  V near = sel(neg, e * ((one + min0(zc)) + e), d + zc * e) / d2;
  const V tail = zc < V(kTail);
  if (z_lo) {  // + g'(z) z_lo, g' = sigma'(z) (2 + z (1 - 2 sigma(z)))
    const V ds = e / d2, s = sel(neg, e, one) / d;
    near = fma(ds * (V(2) + zc * (one - V(2) * s)), *z_lo, near);
  }
  if (!any(tail)) return near;
  V far = exp_tail_times(one + zc, sel(tail, zc, zero<V>()));
  if (z_lo) far = fma(far, *z_lo, far);
  return sel(tail, far, near);
}

// (scale sigma'(z)) (2 - z tanh(z/2)): the d2f of SiLU (scale 1), Swish and QuickGELU (beta)
template <class V>
ACTLAB_INLINE V swish_d2f(const V& z, const V* scale = nullptr) {
  const V zc = clamp(z, V(-kExpUnderflow), V(kExpUnderflow));
  const V ds = scale ? *scale * sigmoid_prime(zc) : sigmoid_prime(zc);
  return ds * (V(2) - zc * tanh_expm1(V(0.5) * zc));
}

// x sigma(x);  f' = sigma + x sigma';  f'' = sigma'(x)(2 - x tanh(x/2))
template <class V>
struct SiLU : Act<V> {
  ACTLAB_INLINE V f(V x) const { return swish_f(x, V(1), nullptr, Scalar<V>(kExpUnderflow)); }
  ACTLAB_INLINE V df(V x) const { return swish_df(x); }
  ACTLAB_INLINE V d2f(V x) const { return swish_d2f(x); }
};

// x sigma(beta x)
template <class V>
struct Swish : Act<V> {
  V beta;
  Scalar<V> bound;
  explicit Swish(double b) : beta(this->c(b)), bound(static_cast<Scalar<V>>(kExpUnderflow / std::max(std::abs(b), 1e-30))) {}
  ACTLAB_INLINE V f(V x) const { return swish_f(x, beta, nullptr, bound); }
  ACTLAB_INLINE V df(V x) const { return swish_df(beta * x); }
  ACTLAB_INLINE V d2f(V x) const { return swish_d2f(beta * x, &beta); }
};

// x sigma(1.702 x); float32: z = 1.702 x carried as hi + lo (1.702 itself is not a float)
template <class V>
struct QuickGELU : Act<V> {
  V beta = this->c(kQuickBeta);
  V beta_lo = this->c(kQuickBeta - static_cast<double>(static_cast<Scalar<V>>(kQuickBeta)));
  ACTLAB_INLINE V z_lo(V x) const {  // the rounding of 1.702 x (x clamped: no inf - inf)
    const V xc = clamp(x, V(-1000), V(1000));
    return fma(beta, xc, (beta * xc).neg()) + beta_lo * xc;
  }
  ACTLAB_INLINE V f(V x) const {
    const Scalar<V> bound(kExpUnderflow / kQuickBeta);
    if constexpr (is_float<V>) {
      const V lo = z_lo(x);
      return swish_f(x, beta, &lo, bound);
    }
    return swish_f(x, beta, nullptr, bound);
  }
  ACTLAB_INLINE V df(V x) const {
    if constexpr (is_float<V>) {
      const V lo = z_lo(x);
      return swish_df(beta * x, &lo);
    }
    return swish_df(beta * x);
  }
  ACTLAB_INLINE V d2f(V x) const { return swish_d2f(beta * x, &beta); }
};

// x Phi(x) (exact) or x sigma(2u), u = sqrt(2/pi)(x + 0.044715 x^3) (tanh); see gelu.h
template <class V>
struct GELU : Act<V> {
  bool tanh_form;
  explicit GELU(c10::string_view approximate) : tanh_form(approximate == "tanh") {
    TORCH_CHECK(tanh_form || approximate == "none", "approximate must be 'none' or 'tanh', got ", approximate);
  }
  ACTLAB_INLINE V f(V x) const { return tanh_form ? gelu_tanh_f(x) : gelu_f(x); }
  ACTLAB_INLINE V df(V x) const { return tanh_form ? gelu_tanh_df(x) : gelu_df(x); }
  ACTLAB_INLINE V d2f(V x) const { return tanh_form ? gelu_tanh_d2f(x) : gelu_d2f(x); }
};

// tanh(softplus x) = t and 1 - t^2 without cancellation (_mish_parts): e = exp(-|x|),
// t = n/(n + 2) with n = e(e + 2) for x <= 0, (1 + 2e)/(1 + 2e + 2e^2) above
template <class V>
ACTLAB_INLINE std::pair<V, V> mish_parts(const V& x) {
  const V one(1), two(2), e = vexp(x.abs().neg());
  const V neg = x <= zero<V>(), n = e * (e + two), d_pos = one + two * e + two * e * e;
  const V t = sel(neg, n / (n + two), (one + two * e) / d_pos);
  const V one_minus_t = sel(neg, two / (n + two), two * e * e / d_pos);
  return {t, one_minus_t * (one + t)};
}

// x tanh(softplus x);  f' = t + x sigma(x)(1 - t^2);  f'' = 2s + x(1 - t^2)(sigma' - 2 t sigma^2)
template <class V>
struct Mish : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    const V xc = at::vec::clamp_min(x, V(-kExpUnderflow));
    const V near = xc * mish_parts(x).first, tail = xc < V(kTail);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(xc, sel(tail, xc, zero<V>())), near);
  }
  ACTLAB_INLINE V df(V x) const {
    const V one(1), four(4);
    const auto [t, sech2] = mish_parts(x);
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), xn = min0(xc), e = vexp(xn);
    const V d = e * (e + V(2)) + V(2);
    const V neg = e * (four * (one + xn) + e * ((four * xn + V(6)) + e * (four + e))) / (d * d);
    const V near = sel(xc <= zero<V>(), neg, t + xc * sigmoid(x) * sech2), tail = xc < V(kTail);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(one + xc, sel(tail, xc, zero<V>())), near);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const auto [t, sech2] = mish_parts(x);
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), sg = sigmoid(x);
    return V(2) * (sg * sech2) + xc * sech2 * (sigmoid_prime(xc) - V(2) * t * sg * sg);
  }
};

// 0 below -3, x above 3, x (x + 3) / 6 between;  f' = (2x + 3)/6 on (-3, 3) (0 at -3, 1 at 3)
template <class V>
struct Hardswish : Cheap<V> {
  ACTLAB_INLINE V f(V x) const { return sel(x <= V(-3), zero<V>(), sel(x >= V(3), x, x * (x + V(3)) / V(6))); }
  ACTLAB_INLINE V df(V x) const { return sel(x <= V(-3), zero<V>(), sel(x < V(3), (V(2) * x + V(3)) / V(6), V(1))); }
  ACTLAB_INLINE V d2f(V x) const { return sel((x > V(-3)) & (x < V(3)), this->c(1.0 / 3.0), zero<V>()); }
};

// x (x + 3)^2 (6 - x) / 108 on (-3, 3), max(0, x) outside
template <class V>
struct SmoothHardswish : Cheap<V> {
  ACTLAB_INLINE V f(V x) const {
    const V inner = (x > V(-3)) & (x < V(3)), xi = sel(inner, x, zero<V>());
    const V a = xi + V(3);
    return sel(inner, ((xi * (a * a)) * (V(6) - xi)) / V(108), max0(x));
  }
  ACTLAB_INLINE V df(V x) const {
    const V inner = (x > V(-3)) & (x < V(3)), xi = sel(inner, x, zero<V>());
    const V q = (V(18) + V(12) * xi) - (V(4) * xi) * xi;
    return sel(inner, ((xi + V(3)) * q) / V(108), sel(x >= V(3), V(1), zero<V>()));
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V inner = (x > V(-3)) & (x < V(3));
    return sel(inner, (V(54) - (V(12) * x) * x) / V(108), zero<V>());
  }
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

// SERF' = 0 at x0 = kSerfZeroHi + kSerfZeroLo; SERF'(x0 + d) = d P(d), |d| <= 0.8 (fit error
// 0.54 ulp; python -m actlab.native.fits): the float32 sum erf(p) + x erf'(p) sigma(x) cancels
// there (18 ulps at x = -1.25, 5 at -1.95 otherwise)
inline constexpr float kSerfZeroHi = -1.1930599212646484f, kSerfZeroLo = -4.76635395596503e-08f;
inline constexpr float kSerfSlopeZero[] = {0.30150488018989563f,   0.23161223530769348f,  0.04754641279578209f,
                                           -0.023334696888923645f, -0.018722273409366608f, -0.004523634444922209f,
                                           0.0009123552590608597f, 0.0010540337534621358f, 0.0002592558739706874f,
                                           -2.1982241378282197e-05f};

// x erf(softplus x);  f' = erf(p) + x erf'(p) sigma(x);  erf'(p) = 2/sqrt(pi) e^{-p^2}
template <class V>
struct SERF : Act<V> {
  ACTLAB_INLINE static V erf(const V& p) {
    if constexpr (is_float<V>) {
      return erf_accurate(p);
    } else {
      return p.erf();
    }
  }
  ACTLAB_INLINE static V erf_prime(const V& p) { return V(kTwoOverSqrtPi) * vexp(p.neg() * p); }
  ACTLAB_INLINE V f(V x) const {
    const V xc = at::vec::clamp_min(x, V(-kExpUnderflow));
    V near = xc * erf(softplus(x));
    if constexpr (is_float<V>) {  // below -64 softplus(x) ~ e^x leaves the normal range: x (2/sqrt pi) e^x
      const V tail = x < V(kTail);
      if (any(tail)) near = sel(tail, exp_tail_times(V(kTwoOverSqrtPi) * xc, sel(tail, xc, zero<V>())), near);
    }
    return near;
  }
  ACTLAB_INLINE V df(V x) const {
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), p = softplus(xc);
    V near = erf(softplus(x)) + xc * erf_prime(p) * sigmoid(xc);
    if constexpr (is_float<V>) {
      const V tail = x < V(kTail);  // (2/sqrt pi) e^x (1 + x) below -64
      if (any(tail)) {
        near = sel(tail, exp_tail_times(V(kTwoOverSqrtPi) * (V(1) + xc), sel(tail, xc, zero<V>())), near);
      }
      const V d = (x - V(kSerfZeroHi)) - V(kSerfZeroLo), zone = d.abs() < V(0.8f);  // the sum above cancels
      if (any(zone)) near = sel(zone, d * horner(d, kSerfSlopeZero), near);
    }
    return near;
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), p = softplus(xc), s = sigmoid(xc);
    return erf_prime(p) * (V(2) * s + xc * (sigmoid_prime(xc) - V(2) * p * s * s));
  }
};

template struct Elementwise<SiLU>;
template struct Elementwise<Swish, double>;
template struct Elementwise<QuickGELU>;
template struct Elementwise<GELU, c10::string_view>;
template struct Elementwise<Mish>;
template struct Elementwise<Hardswish>;
template struct Elementwise<SmoothHardswish>;
template struct Elementwise<SERF>;
template struct Elementwise<HardMish>;
template struct SplitGate<SiLU>;
template struct SplitGate<GELU, c10::string_view>;

}  // namespace actlab
