// The elementwise driver: runs a kernel written for contiguous blocks of float or double over
// tensors of any layout and floating dtype.
//
// A kernel is a *block function* `(in pointers, out pointers, n)` over n contiguous elements of
// the compute type (float for float/bfloat16/half, double for double). `run` calls it directly on
// dense tensors with one layout (contiguous, channels-last, transposed ...: one flat pass); other
// layouts go through TensorIterator, with strided runs gathered into small buffers; bfloat16 and
// half are converted to float in buffers and rounded once on the way out, or, for kernels that
// pass `HalfBlocks` (cheap bodies, where the buffer round trip costs more than the body), run on
// the 16-bit storage directly, two float vectors per load (still computed in float32, rounded
// once). Threads: at::parallel_for with `grain` elements per task.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/util/BFloat16.h>
#include <c10/util/FunctionRef.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <initializer_list>
#include <type_traits>
#include <utility>

#include "vec.h"

namespace actlab {

template <class S>
using Block = c10::function_ref<void(const S* const* in, S* const* out, int64_t n)>;

// Elements per task (at::parallel_for splits a range only when it is longer than the grain):
// ATen's 32768, for every body. The memory-bound piecewise-linear ones used to split only above
// 65536 elements, on the view that a 64K tensor gains nothing from a second thread; torch's do
// split there, and measured side by side at 64K on 2 threads Softshrink's forward + backward
// read 1.54x torch's unsplit, 1.38-1.45x split (its double backward 1.43 -> 1.25-1.38).
constexpr int64_t kGrain = 32768;

// The same kernel as a Block<float>, over bfloat16/half storage (map_* below take either)
struct HalfBlocks {
  Block<c10::BFloat16> bf16;
  Block<c10::Half> f16;
};

// outs and ins have one shape; outs are allocated (empty_like of an input, or an input itself for
// in-place ops). Inputs of another dtype than outs[0] are converted first. `half`: the kernel on
// 16-bit storage, used for unit-stride runs of bfloat16/half (nullptr: through float buffers).
void run(at::TensorList outs, at::TensorList ins, Block<float> f32, Block<double> f64, int64_t grain = kGrain,
         const HalfBlocks* half = nullptr);

// at::empty_like(x) (same dtype; same strides for dense x), without its heavy header here.
at::Tensor empty_like(const at::Tensor& x);

// A float tensor of x's shape: a dtype argument of empty_like.
at::Tensor empty_like(const at::Tensor& x, at::ScalarType dtype);

// at::ones_like(x)
at::Tensor ones_like(const at::Tensor& x);

// Whether these tensors share one bfloat16/half dtype and one shape, all contiguous, with at
// least min_numel elements (the 16-bit paths that read storage directly: tables, softmax rows).
bool half_dense(std::initializer_list<const at::Tensor*> ts, int64_t min_numel);

// ---- 16-bit storage: Vectorized<T> holds two float vectors' worth of elements
template <class T>
constexpr bool is_half = std::is_same_v<T, c10::BFloat16> || std::is_same_v<T, c10::Half>;

// k elements (the rest 0) from p, widened to two float vectors
template <class T>
ACTLAB_INLINE std::pair<Vectorized<float>, Vectorized<float>> load_wide(const T* p, int64_t k) {
  const Vectorized<T> v = k == Vectorized<T>::size() ? Vectorized<T>::loadu(p) : Vectorized<T>::loadu(p, k);
  auto [a, b] = at::vec::convert_to_float<T>(v);
  return {a, b};
}

// (a, b) rounded once to T (nearest even), k elements stored at p
template <class T>
ACTLAB_INLINE void store_narrow(T* p, const Vectorized<float>& a, const Vectorized<float>& b, int64_t k) {
  const Vectorized<T> v = at::vec::convert_from_float<T>(a, b);
  if (k == Vectorized<T>::size()) {
    v.store(p);
  } else {
    v.store(p, static_cast<int>(k));
  }
}

template <class T, class Fn>
  requires is_half<T>
ACTLAB_INLINE void map_1_1(const T* const* in, T* const* out, int64_t n, const Fn& fn) {
  constexpr int64_t W = Vectorized<T>::size();
  for (int64_t i = 0; i < n; i += W) {
    const int64_t k = std::min(W, n - i);
    const auto [a0, a1] = load_wide(in[0] + i, k);
    store_narrow(out[0] + i, fn(a0), fn(a1), k);
  }
}

template <class T, class Fn>
  requires is_half<T>
ACTLAB_INLINE void map_2_1(const T* const* in, T* const* out, int64_t n, const Fn& fn) {
  constexpr int64_t W = Vectorized<T>::size();
  for (int64_t i = 0; i < n; i += W) {
    const int64_t k = std::min(W, n - i);
    const auto [a0, a1] = load_wide(in[0] + i, k);
    const auto [b0, b1] = load_wide(in[1] + i, k);
    store_narrow(out[0] + i, fn(a0, b0), fn(a1, b1), k);
  }
}

// ---- loops over one block: full vectors, then one partial vector (same code path for the tail)
// Two vectors per step (as ATen's vectorized loops): cheap bodies are load/store bound.
template <class S, class Fn>
  requires(!is_half<S>)
ACTLAB_INLINE void map_1_1(const S* const* in, S* const* out, int64_t n, const Fn& fn) {
  using V = Vectorized<S>;
  const S* a = in[0];
  S* y = out[0];
  int64_t i = 0;
  for (; i + 2 * V::size() <= n; i += 2 * V::size()) {
    const V u = fn(V::loadu(a + i)), v = fn(V::loadu(a + i + V::size()));
    u.store(y + i);
    v.store(y + i + V::size());
  }
  for (; i + V::size() <= n; i += V::size()) fn(V::loadu(a + i)).store(y + i);
  if (i < n) fn(V::loadu(a + i, n - i)).store(y + i, static_cast<int>(n - i));
}

template <class S, class Fn>
  requires(!is_half<S>)
ACTLAB_INLINE void map_2_1(const S* const* in, S* const* out, int64_t n, const Fn& fn) {
  using V = Vectorized<S>;
  const S *a = in[0], *b = in[1];
  S* y = out[0];
  int64_t i = 0;
  for (; i + 2 * V::size() <= n; i += 2 * V::size()) {
    const int64_t j = i + V::size();
    const V u = fn(V::loadu(a + i), V::loadu(b + i)), v = fn(V::loadu(a + j), V::loadu(b + j));
    u.store(y + i);
    v.store(y + j);
  }
  for (; i + V::size() <= n; i += V::size()) fn(V::loadu(a + i), V::loadu(b + i)).store(y + i);
  if (i < n) {
    const int64_t k = n - i;
    fn(V::loadu(a + i, k), V::loadu(b + i, k)).store(y + i, static_cast<int>(k));
  }
}

template <class S, class Fn>
ACTLAB_INLINE void map_3_1(const S* const* in, S* const* out, int64_t n, const Fn& fn) {
  using V = Vectorized<S>;
  const S *a = in[0], *b = in[1], *c = in[2];
  S* y = out[0];
  int64_t i = 0;
  for (; i + V::size() <= n; i += V::size()) fn(V::loadu(a + i), V::loadu(b + i), V::loadu(c + i)).store(y + i);
  if (i < n) {
    const int64_t k = n - i;
    fn(V::loadu(a + i, k), V::loadu(b + i, k), V::loadu(c + i, k)).store(y + i, static_cast<int>(k));
  }
}

template <class S, class Fn>
ACTLAB_INLINE void map_3_2(const S* const* in, S* const* out, int64_t n, const Fn& fn) {
  using V = Vectorized<S>;
  const S *a = in[0], *b = in[1], *c = in[2];
  S *y = out[0], *z = out[1];
  int64_t i = 0;
  for (; i + V::size() <= n; i += V::size()) {
    auto [u, v] = fn(V::loadu(a + i), V::loadu(b + i), V::loadu(c + i));
    u.store(y + i);
    v.store(z + i);
  }
  if (i < n) {
    const int64_t k = n - i;
    auto [u, v] = fn(V::loadu(a + i, k), V::loadu(b + i, k), V::loadu(c + i, k));
    u.store(y + i, static_cast<int>(k));
    v.store(z + i, static_cast<int>(k));
  }
}

// Five inputs, three outputs (the double backward of split gates and PReLU)
template <class S, class Fn>
ACTLAB_INLINE void map_5_3(const S* const* in, S* const* out, int64_t n, const Fn& fn) {
  using V = Vectorized<S>;
  auto step = [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
    V v[5];
    for (int j = 0; j < 5; ++j) v[j] = k == V::size() ? V::loadu(in[j] + i) : V::loadu(in[j] + i, k);
    auto [p, q, r] = fn(v[0], v[1], v[2], v[3], v[4]);
    if (k == V::size()) {
      p.store(out[0] + i);
      q.store(out[1] + i);
      r.store(out[2] + i);
    } else {
      p.store(out[0] + i, static_cast<int>(k));
      q.store(out[1] + i, static_cast<int>(k));
      r.store(out[2] + i, static_cast<int>(k));
    }
  };
  int64_t i = 0;
  for (; i + V::size() <= n; i += V::size()) step(i, V::size());
  if (i < n) step(i, n - i);
}

}  // namespace actlab
