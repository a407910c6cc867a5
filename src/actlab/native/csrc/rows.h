// What the row kernels (normalizer.cpp: the softmax family; sparse.cpp: Sparsemax, 1.5-entmax)
// share: infinities, the lanes of a partial vector, horizontal max and sum.
#pragma once

#include <ATen/cpu/vec/functional.h>  // vec_reduce_all (vec512.h does not include it)

#include <limits>

#include "vec.h"

namespace actlab {

template <class S>
constexpr S kInf = std::numeric_limits<S>::infinity();
template <class S>
constexpr S kNaN = std::numeric_limits<S>::quiet_NaN();

template <class V>
ACTLAB_INLINE V lanes_below(int64_t k) {  // lane i < k
  return V::arange(Scalar<V>(0), Scalar<V>(1)) < V(static_cast<Scalar<V>>(k));
}

template <class S>
ACTLAB_INLINE S hmax(const Vectorized<S>& v) {  // NaN propagates
  return at::vec::vec_reduce_all<S>([](auto a, auto b) { return at::vec::maximum(a, b); }, v);
}

template <class S>
ACTLAB_INLINE S hsum(const Vectorized<S>& v) {
  return at::vec::vec_reduce_all<S>([](auto a, auto b) { return a + b; }, v);
}

// f(tag) with a value of the element type of st (float for float32 and anything else): the row
// kernels' dtype switch
template <class F>
inline void on_dtype(at::ScalarType st, F f) {
  switch (st) {
    case at::kDouble:
      return f(double{});
    case at::kBFloat16:
      return f(c10::BFloat16{});
    case at::kHalf:
      return f(c10::Half{});
    default:
      return f(float{});
  }
}

}  // namespace actlab
