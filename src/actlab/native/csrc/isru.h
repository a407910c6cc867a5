// ISRU's root s = sqrt(1 + alpha x^2) = hypot(1, sqrt(alpha) x) and its quotients (activations/
// sigmoidal.py: isru_root, isru_x_over), shared by ISRU (sigmoidal.cpp) and ISRLU (rectifier.cpp); and
// hypot(1, u) itself (BentIdentity's too; Squareplus's sqrt(x^2 + b)).
#pragma once

#include <cmath>

#include "act.h"
#include "compensated.h"

namespace actlab {

// sqrt(u^2 + b), root = sqrt(b): u^2 + b rounded once (FMA), then the square root (within 0.75 ulp; a sixth of
// the cost of at::vec's hypot); hypot(u, root) where u^2 + b overflows (Squareplus's s too)
template <class V>
ACTLAB_INLINE V hypot_root(const V& u, const V& b, const V& root) {
  const V t = fma(u, u, b), over = t == V(INFINITY);
  return any(over) ? sel(over, u.hypot(root), t.sqrt()) : t.sqrt();
}

// sqrt(1 + u^2)
template <class V>
ACTLAB_INLINE V hypot1(const V& u) {
  return hypot_root(u, V(1), V(1));
}

template <class V>
struct IsruRoot {
  V root, root_lo, inv_root, alpha;
  explicit IsruRoot(double a)
      : root(Act<V>::c(std::sqrt(a))),
        root_lo(Act<V>::c(std::sqrt(a) - static_cast<double>(static_cast<Scalar<V>>(std::sqrt(a))))),
        inv_root(Act<V>::c(1.0 / std::sqrt(a))), alpha(Act<V>::c(a)) {}
  ACTLAB_INLINE V s(const V& x) const { return hypot1(root * x); }
  // 1 / s^3 = (1 + u^2)^(-3/2), u = sqrt(alpha) x: with 1 + u^2 = th + tl (u and its square as hi + lo, one
  // TwoSum), q = 1 / (sqrt(th) th) and the first-order correction (1 + tl/th)^(-3/2) = 1 - 3 tl / (2 th);
  // 0 where u^2 overflows (1/|u|^3 below the subnormals)
  ACTLAB_INLINE V inv_cube(const V& x) const {
    const V u = root * x, ul = fma(root, x, u.neg()) + root_lo * x;
    const V p = u * u, pl = fma(u, u, p.neg()) + V(2) * (u * ul);
    const auto [th, tl0] = two_sum(V(1), p);
    const V fin = th < V(INFINITY), s0 = th.sqrt(), q = V(1) / (s0 * th);
    const V tl = sel(fin, tl0 + pl, zero<V>());
    return sel(fin | (x != x), fma(q, (V(-1.5) * tl) * (q * s0), q), zero<V>());
  }
  // x / s, with the limit sign(x) / sqrt(alpha) where sqrt(alpha) x overflows (not inf / inf)
  ACTLAB_INLINE V x_over(const V& x, const V& sv) const {
    const V inf = (root * x).abs() == V(INFINITY);
    return sel(inf, sign(x) * inv_root, sel(inf, zero<V>(), x) / sv);
  }
  // f'' of x / s: -3 alpha (x / s) / s^4
  ACTLAB_INLINE V d2f(const V& x) const {
    const V sv = s(x), s2 = sv * sv;
    return ((V(-3) * alpha) * x_over(x, sv)) / (s2 * s2);
  }
};

}  // namespace actlab
