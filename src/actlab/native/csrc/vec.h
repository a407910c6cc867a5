// Vector building blocks shared by the kernels: selection, exact FMA, Horner polynomials, lane
// tests. Every kernel is written once for V = Vectorized<float> or Vectorized<double>; its float
// and double instantiations are the float/bfloat16/half and float64 kernels.
#pragma once

#include <ATen/cpu/vec/functional.h>  // convert_to_float/convert_from_float, vec_reduce_all: vec512.h does not include it
#include <ATen/cpu/vec/vec.h>

#include <cmath>
#include <type_traits>
#include <utility>

// The math helpers and the activations' methods are forced inline: in a unit with many kernels
// GCC's inlining budget runs out and e.g. the float32 exp became a call in every loop (SiLU 1.4x
// slower than with it inlined).
#define ACTLAB_INLINE inline __attribute__((always_inline))
#define ACTLAB_INLINE_LAMBDA __attribute__((always_inline))  // after a lambda's parameter list

namespace actlab {

using at::vec::Vectorized;

template <class V>
using Scalar = typename V::value_type;

template <class V>
constexpr bool is_float = std::is_same_v<Scalar<V>, float>;

// mask ? a : b (mask lanes all ones or all zeros, as comparisons return)
template <class V>
ACTLAB_INLINE V sel(const V& mask, const V& a, const V& b) {
  return V::blendv(b, a, mask);
}

// Whether any lane of a comparison mask is set.
template <class V>
ACTLAB_INLINE bool any(const V& mask) {
  return mask.zero_mask() != (1 << V::size()) - 1;
}

// a * b + c with a single rounding: at::vec::fmadd where it is the FMA instruction (AVX2, AVX-512,
// aarch64's vfmaq); elsewhere the generic at::vec::fmadd is a multiply and an add, so std::fma.
template <class V>
ACTLAB_INLINE V fma(const V& a, const V& b, const V& c) {
#if defined(CPU_CAPABILITY_AVX2) || defined(CPU_CAPABILITY_AVX512) || defined(__aarch64__)
  return at::vec::fmadd(a, b, c);
#else
  using S = Scalar<V>;
  S x[V::size()], y[V::size()], z[V::size()];
  a.store(x);
  b.store(y);
  c.store(z);
  for (int i = 0; i < V::size(); ++i) x[i] = std::fma(x[i], y[i], z[i]);
  return V::loadu(x);
#endif
}

// Whether every lane of a comparison mask is set.
template <class V>
ACTLAB_INLINE bool all(const V& mask) {
  return mask.zero_mask() == 0;
}

// c[0] + x (c[1] + x (c[2] + ...)) by Horner's rule with FMAs.
template <class V, class S, std::size_t N>
ACTLAB_INLINE V horner(const V& x, const S (&c)[N]) {
  V acc(static_cast<Scalar<V>>(c[N - 1]));
  for (int i = static_cast<int>(N) - 2; i >= 0; --i) acc = fma(acc, x, V(static_cast<Scalar<V>>(c[i])));
  return acc;
}

// c[0] + x (c[1] + ...) with a separate multiply and add per step: the exact sequence of
// roundings of the same polynomial written with torch ops (acc * x + c).
template <class V, class S, std::size_t N>
ACTLAB_INLINE V horner_unfused(const V& x, const S (&c)[N]) {
  V acc(static_cast<Scalar<V>>(c[N - 1]));
  for (int i = static_cast<int>(N) - 2; i >= 0; --i) acc = acc * x + V(static_cast<Scalar<V>>(c[i]));
  return acc;
}

template <class V>
ACTLAB_INLINE V zero() {
  return V(Scalar<V>(0));
}

// k lanes from p (k < size: the others 0), and k lanes stored at p (the drivers' last, partial vector)
template <class V>
ACTLAB_INLINE V load(const Scalar<V>* p, int64_t k) {
  return k == V::size() ? V::loadu(p) : V::loadu(p, k);
}

template <class V>
ACTLAB_INLINE void store(const V& v, Scalar<V>* p, int64_t k) {
  if (k == V::size()) {
    v.store(p);
  } else {
    v.store(p, static_cast<int>(k));
  }
}

// min(x, 0) and max(x, 0) with NaN propagated (torch.clamp(x, max=0) / clamp(x, min=0)).
template <class V>
ACTLAB_INLINE V min0(const V& x) {
  return at::vec::clamp_max(x, zero<V>());
}

template <class V>
ACTLAB_INLINE V max0(const V& x) {
  return at::vec::clamp_min(x, zero<V>());
}

// torch.clamp(x, lo, hi): NaN stays NaN.
template <class V>
ACTLAB_INLINE V clamp(const V& x, const V& lo, const V& hi) {
  return at::vec::clamp(x, lo, hi);
}

// sign(x) as torch.sign: -1, +0 (for either zero), 1, NaN for NaN.
template <class V>
ACTLAB_INLINE V sign(const V& x) {
  const V one(Scalar<V>(1)), z = zero<V>();
  return sel(x > z, one, sel(x < z, -one, x - x));
}

// copysign(a, s): |a| with the sign bit of s.
template <class V>
ACTLAB_INLINE V copysign(const V& a, const V& s) {
  const V sign_bit(Scalar<V>(-0.0));
  return (a.abs()) | (s & sign_bit);
}

}  // namespace actlab
