// Error-free transformations and the compensated Horner scheme (Graillat, Langlois & Louvet 2005):
// a polynomial evaluated as if in twice the working precision, its result as hi + lo. For
// polynomials that cancel (a rational activation near a zero of f or f'): float32 throughout.
#pragma once

#include <array>
#include <utility>

#include "vec.h"

namespace actlab {

// a + b = s + e exactly (Knuth's TwoSum)
template <class V>
ACTLAB_INLINE std::pair<V, V> two_sum(const V& a, const V& b) {
  const V s = a + b, bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

// a b = p + e exactly (the FMA residual)
template <class V>
ACTLAB_INLINE std::pair<V, V> two_prod(const V& a, const V& b) {
  const V p = a * b;
  return {p, fma(a, b, p.neg())};
}

// sum_i (hi[i] + lo[i]) u^i (Reverse: sum_i (hi[i] + lo[i]) u^(N-1-i)) by compensated Horner:
// {s, c} with the value s + c (the terms' roundings in c, the coefficients' lo parts too)
template <bool Reverse = false, class V, std::size_t N>
ACTLAB_INLINE std::pair<V, V> compensated_horner(const V& u, const std::array<V, N>& hi, const std::array<V, N>& lo) {
  constexpr auto at = [](std::size_t i) { return Reverse ? N - 1 - i : i; };
  V s = hi[at(N - 1)], c = lo[at(N - 1)];
  for (int i = static_cast<int>(N) - 2; i >= 0; --i) {
    const auto [p, pe] = two_prod(s, u);
    const auto [t, te] = two_sum(p, hi[at(i)]);
    c = fma(c, u, (pe + te) + lo[at(i)]);
    s = t;
  }
  return {s, c};
}

// sum_i c[i] u^i (Reverse: c[i] u^(N-1-i)) by Horner's rule with FMAs; c from `first`, N terms
template <std::size_t N, bool Reverse = false, class V, std::size_t M>
ACTLAB_INLINE V horner_of(const V& u, const std::array<V, M>& c, std::size_t first = 0) {
  constexpr auto at = [](std::size_t i) { return Reverse ? N - 1 - i : i; };
  V acc = c[first + at(N - 1)];
  for (int i = static_cast<int>(N) - 2; i >= 0; --i) acc = fma(acc, u, c[first + at(i)]);
  return acc;
}

}  // namespace actlab
