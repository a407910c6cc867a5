// ISRU's root s = sqrt(1 + alpha x^2) = hypot(1, sqrt(alpha) x) and its quotients (activations/
// sigmoidal.py: isru_root, isru_x_over), shared by ISRU (sigmoidal.cpp) and ISRLU (rectifier.cpp).
#pragma once

#include <cmath>

#include "act.h"

namespace actlab {

template <class V>
struct IsruRoot {
  V root, inv_root, alpha;
  explicit IsruRoot(double a)
      : root(Act<V>::c(std::sqrt(a))), inv_root(Act<V>::c(1.0 / std::sqrt(a))), alpha(Act<V>::c(a)) {}
  ACTLAB_INLINE V s(const V& x) const { return V(1).hypot(root * x); }
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
