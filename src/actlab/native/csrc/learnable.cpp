// The learnable family's kernels (activations/learnable.py), learnable (kinds.Parametric) ops on
// parametric_impl.h: PELU, MPELU, SReLU, AReLU. Where the declarations compute float32 in float64 (so that x/b and
// beta x are exact before the exponential), the float32 kernels carry the argument as hi + lo
// (the lo part by an FMA residual) and put it back to first order: e^{t + tl} = e^t (1 + tl).
#include <limits>

#include "act.h"
#include "parametric_impl.h"

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
};
template struct ParametricOps<PELU, std::make_index_sequence<2>>;

// MPELU: x (x > 0), alpha expm1(beta x) (x <= 0, NaN); df/dx = 1 resp. alpha beta e, df/dalpha =
// expm1(beta x), df/dbeta = alpha x e (left), e = e^{beta x}
template <class V>
struct MPELU : Act<V> {
  static constexpr std::size_t K = 2;
  V alpha, beta, alpha_beta;
  explicit MPELU(const V* w) : alpha(w[0]), beta(w[1]), alpha_beta(w[0] * w[1]) {}
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
};
template struct ParametricOps<SReLU, std::make_index_sequence<4>>;

// AReLU: (1 + sigma(beta)) max(0, x) - C(alpha) max(0, -x), C = clamp(alpha, 0.01, 0.99);
// df/dx = 1 + sigma(beta) (x > 0), C (x < 0), 0 at 0 and NaN; df/dalpha = x [x < 0] C'(alpha), C' = 1
// on [0.01, 0.99]; df/dbeta = x [x > 0] sigma'(beta)
template <class V>
struct AReLU : Act<V> {
  static constexpr std::size_t K = 2;
  using S = Scalar<V>;
  V c, gain, inside, sp;
  explicit AReLU(const V* w)
      : c(clamp(w[0], V(S(0.01)), V(S(0.99)))),
        gain(V(S(1)) + sigmoid(w[1])),
        inside(sel((w[0] >= V(S(0.01))) & (w[0] <= V(S(0.99))), V(S(1)), zero<V>())),
        sp(sigmoid_prime(w[1])) {}
  ACTLAB_INLINE V f(V x) const { return gain * max0(x) - c * max0(x.neg()); }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const V pos = x > zero<V>(), neg = x < zero<V>();
    gw[0] = g * (sel(neg, x, zero<V>()) * inside);
    gw[1] = g * (sel(pos, x, zero<V>()) * sp);
    return g * sel(pos, gain, sel(neg, c, zero<V>()));
  }
};
template struct ParametricOps<AReLU, std::make_index_sequence<2>>;

}  // namespace actlab
