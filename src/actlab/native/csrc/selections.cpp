// Maxout, LWTA and k-WTA (activations/grouped.py) along any dim: forward and backward. Each output
// entry is an input entry (or g's, in the backward) or 0, chosen by comparisons: no arithmetic, so
// every dtype gives the declaration's bits, as stored.
//
// Maxout and LWTA: groups of `size` consecutive entries along dim, the tensor seen as (outer, n,
// inner) (a group is `size` entries `inner` apart). The winner of a group is its first maximal entry,
// NaN above every number (torch.argmax): best = x_0, then x_t wins when x_t > best or x_t is NaN and
// best is not. Maxout: y_q = x_win, backward gx_win = g_q (0 elsewhere); LWTA: y = x at the winner,
// +0 elsewhere, backward g at the winner. Threads take whole groups and run over their inner
// positions at unit stride (vectors of positions for float/double); along the last dim, vectors of
// groups: pairs split by deinterleave2, groups up to 16 transposed through a buffer.
//
// k-WTA: the k = max(1, floor(ratio n)) largest entries of each row along dim pass (y = x, gx = g),
// the others are 0; the entries torch.topk returns. The k-th largest value t (NaN largest, -0 = +0:
// topk's comparator) comes from a bitwise search on order-preserving integer keys; when the
// entries above t and those equal to t number k together, the set is {x >= t} whatever topk's order
// among ties; otherwise (ties at t straddle the k-th place: rare but for integers, zeros, or
// repeated values) the row asks at::topk itself.
//
// CReLU: y = [max(0, x), max(0, -x)] along dim (torch.clamp's bits: x < 0 ? +0 : x, so -0 and NaN
// pass; the second half x > 0 ? +0 : -x), J^T [g1, g2] = (x > 0 ? g1 : 0) - (x < 0 ? g2 : 0) (0 - g2 as
// written: +0 where g2 = +0).
// With x as (outer, m = n inner), block o of x is m contiguous entries and block o of y is the two
// halves, 2 m entries: elementwise over blocks, vectors for float/double.
#include "selections.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/topk.h>
#include <c10/core/WrapDimMinimal.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels.h"
#include "loop.h"
#include "rows.h"
#include "vec.h"

namespace actlab {
namespace {

template <class T>
using Compute = std::conditional_t<std::is_same_v<T, double>, double, float>;

// Whether a comes before b in descending order, NaN above every number (torch.topk's comparator)
template <class C>
ACTLAB_INLINE bool above(C a, C b) {
  return (a > b) | ((a != a) & (b == b));  // no branches: random data would mispredict half of them
}

enum class Select { kMaxout, kLwta };

// One group at inner positions [i, e) of the scalar path: x0 its first entry's row, out the
// output at the group (maxout forward: the group's output row), g the grad at the same place
template <Select M, bool Backward, class T>
void group_scalar(const T* x0, const T* g, T* out, int64_t inner, int64_t size, int64_t i, int64_t e) {
  using C = Compute<T>;
  for (; i < e; ++i) {
    C best = static_cast<C>(x0[i]);
    int64_t win = 0;
    for (int64_t t = 1; t < size; ++t) {
      const C v = static_cast<C>(x0[i + t * inner]);
      const bool take = above(v, best);
      best = take ? v : best;
      win = take ? t : win;
    }
    if constexpr (M == Select::kMaxout && !Backward) {
      out[i] = x0[i + win * inner];
    } else if constexpr (M == Select::kMaxout) {
      for (int64_t t = 0; t < size; ++t) out[i + t * inner] = t == win ? g[i] : T(0);
    } else {
      const T* src = Backward ? g : x0;
      for (int64_t t = 0; t < size; ++t) out[i + t * inner] = t == win ? src[i + t * inner] : T(0);
    }
  }
}

// The same over vectors of inner positions (float/double): the winner's index carried as a float
template <Select M, bool Backward, class T>
int64_t group_vector(const T* x0, const T* g, T* out, int64_t inner, int64_t size) {
  using V = Vectorized<T>;
  constexpr int64_t W = V::size();
  int64_t i = 0;
  for (; i + W <= inner; i += W) {
    V best = V::loadu(x0 + i), win = zero<V>();
    for (int64_t t = 1; t < size; ++t) {
      const V v = V::loadu(x0 + i + t * inner);
      const V take = (v > best) | ((v != v) & (best == best));
      best = sel(take, v, best);
      win = sel(take, V(static_cast<T>(t)), win);
    }
    if constexpr (M == Select::kMaxout && !Backward) {
      best.store(out + i);
    } else if constexpr (M == Select::kMaxout) {
      const V gv = V::loadu(g + i);
      for (int64_t t = 0; t < size; ++t) sel(win == V(static_cast<T>(t)), gv, zero<V>()).store(out + i + t * inner);
    } else {
      const T* src = Backward ? g : x0;
      for (int64_t t = 0; t < size; ++t) {
        sel(win == V(static_cast<T>(t)), V::loadu(src + i + t * inner), zero<V>()).store(out + i + t * inner);
      }
    }
  }
  return i;
}

// Pairs of consecutive entries (size 2, inner 1: the last dim) q in [q, e), 2 W entries a step:
// deinterleave2 splits them into first and second entries, interleave2 writes the pairs back;
// returns where the vectors stopped
template <Select M, bool Backward, class T>
int64_t pairs_vector(const T* x, const T* g, T* out, int64_t q, int64_t e) {
  using V = Vectorized<T>;
  constexpr int64_t W = V::size();
  for (; q + W <= e; q += W) {
    const auto [a, b] = at::vec::deinterleave2(V::loadu(x + 2 * q), V::loadu(x + 2 * q + W));
    const V second = (b > a) | ((b != b) & (a == a));  // the second entry wins
    V first_out, second_out;
    if constexpr (M == Select::kMaxout && !Backward) {
      sel(second, b, a).store(out + q);
      continue;
    } else if constexpr (M == Select::kMaxout) {
      const V gv = V::loadu(g + q);
      first_out = sel(second, zero<V>(), gv), second_out = sel(second, gv, zero<V>());
    } else {
      const T* src = Backward ? g : x;
      const auto [c, d] = at::vec::deinterleave2(V::loadu(src + 2 * q), V::loadu(src + 2 * q + W));
      first_out = sel(second, zero<V>(), c), second_out = sel(second, d, zero<V>());
    }
    const auto [lo, hi] = at::vec::interleave2(first_out, second_out);
    lo.store(out + 2 * q);
    hi.store(out + 2 * q + W);
  }
  return q;
}

// Groups [q, e) of consecutive entries (inner 1: the last dim), at most kTransposed entries each,
// W groups a step: transposed through a buffer (entry t of group j at t W + j: scalar copies, which
// beat a gather), scanned as vectors, the outputs transposed back; returns where it stopped
constexpr int64_t kTransposed = 16;

template <Select M, bool Backward, class T>
int64_t groups_vector(const T* x, const T* g, T* out, int64_t size, int64_t q, int64_t e) {
  using V = Vectorized<T>;
  constexpr int64_t W = V::size();
  alignas(64) T in[kTransposed * W], res[kTransposed * W];
  for (; q + W <= e; q += W) {
    const T* r = x + q * size;
    for (int64_t j = 0; j < W; ++j) {
      for (int64_t t = 0; t < size; ++t) in[t * W + j] = r[j * size + t];
    }
    V best = V::loadu(in), win = zero<V>();
    for (int64_t t = 1; t < size; ++t) {
      const V v = V::loadu(in + t * W);
      const V take = (v > best) | ((v != v) & (best == best));
      best = sel(take, v, best);
      win = sel(take, V(static_cast<T>(t)), win);
    }
    if constexpr (M == Select::kMaxout && !Backward) {
      best.store(out + q);
      continue;
    } else if constexpr (M == Select::kMaxout) {
      const V gv = V::loadu(g + q);
      for (int64_t t = 0; t < size; ++t) sel(win == V(static_cast<T>(t)), gv, zero<V>()).store(res + t * W);
    } else {
      if constexpr (Backward) {
        const T* gr = g + q * size;
        for (int64_t j = 0; j < W; ++j) {
          for (int64_t t = 0; t < size; ++t) in[t * W + j] = gr[j * size + t];
        }
      }
      for (int64_t t = 0; t < size; ++t) {
        sel(win == V(static_cast<T>(t)), V::loadu(in + t * W), zero<V>()).store(res + t * W);
      }
    }
    T* o = out + q * size;
    for (int64_t j = 0; j < W; ++j) {
      for (int64_t t = 0; t < size; ++t) o[j * size + t] = res[t * W + j];
    }
  }
  return q;
}

// Groups [q, e) of consecutive entries (inner 1: the last dim), one tight loop
template <Select M, bool Backward, class T>
void groups_scalar(const T* x, const T* g, T* out, int64_t size, int64_t q, int64_t e) {
  using C = Compute<T>;
  for (; q < e; ++q) {
    const T* r = x + q * size;
    C best = static_cast<C>(r[0]);
    int64_t win = 0;
    for (int64_t t = 1; t < size; ++t) {
      const C v = static_cast<C>(r[t]);
      const bool take = above(v, best);
      best = take ? v : best;
      win = take ? t : win;
    }
    if constexpr (M == Select::kMaxout && !Backward) {
      out[q] = r[win];
    } else {
      T* o = out + q * size;
      std::fill(o, o + size, T(0));
      o[win] = M == Select::kMaxout ? g[q] : (Backward ? g : x)[q * size + win];
    }
  }
}

// Every group: x (outer, n, inner) contiguous; g and out as the op has them (maxout: the forward's
// output and the backward's g are (outer, n / size, inner))
template <Select M, bool Backward, class T>
void select_groups(const T* x, const T* g, T* out, int64_t groups, int64_t inner, int64_t size) {
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(size * inner, 1));
  at::parallel_for(0, groups, grain, [&](int64_t b, int64_t e) {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      if (inner == 1 && size == 2) {
        b = pairs_vector<M, Backward>(x, g, out, b, e);
      } else if (inner == 1 && size <= kTransposed) {
        b = groups_vector<M, Backward>(x, g, out, size, b, e);
      }
    }
    if (inner == 1) return groups_scalar<M, Backward>(x, g, out, size, b, e);
    for (int64_t q = b; q < e; ++q) {
      const int64_t base = q * size * inner;
      const bool reduced = M == Select::kMaxout;  // maxout's forward output and backward g
      T* o = out + (reduced && !Backward ? q * inner : base);
      const T* gq = g == nullptr ? nullptr : g + (reduced ? q * inner : base);
      int64_t i = 0;
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
        if (size < (int64_t{1} << 24)) i = group_vector<M, Backward>(x + base, gq, o, inner, size);
      }
      group_scalar<M, Backward>(x + base, gq, o, inner, size, i, inner);
    }
  });
}

int64_t axis(const char* name, const at::Tensor& x, int64_t dim) {
  TORCH_CHECK(at::isFloatingType(x.scalar_type()), "actlab: expected a floating-point tensor, got ", x.scalar_type());
  if (x.dim() == 0) raise_shape_error(std::string(name) + ": expected an input with at least one dimension, got a scalar");
  return c10::maybe_wrap_dim(dim, x.dim());
}

// A contiguous result in x's layout (the declarations' `like`), when the shape is x's
at::Tensor laid_like(const at::Tensor& out, const at::Tensor& x) {
  if (x.is_contiguous() || out.sizes() != x.sizes()) return out;
  at::Tensor laid = empty_like(x);
  laid.copy_(out);
  return laid;
}

// Maxout and LWTA: x grouped along dim; g (backward) of the forward's output shape
template <Select M>
at::Tensor grouped(const char* name, const at::Tensor& x, const at::Tensor* g, int64_t dim, int64_t size) {
  TORCH_CHECK(size >= 1, name, ": the group size must be >= 1, got ", size);
  const int64_t d = axis(name, x, dim), n = x.size(d);
  if (n % size != 0) {
    raise_shape_error(std::string(name) + ": the size of dim " + std::to_string(d) + " (" + std::to_string(n) +
                      ") is not a multiple of the group size " + std::to_string(size));
  }
  std::vector<int64_t> reduced = x.sizes().vec();
  if (M == Select::kMaxout) reduced[d] = n / size;
  const at::Tensor xc = x.contiguous();
  at::Tensor gc;
  if (g != nullptr) {
    TORCH_CHECK(g->sizes() == at::IntArrayRef(reduced), "actlab: grad and output differ in shape");
    gc = g->to(x.scalar_type()).contiguous();
  }
  const bool shrinks = M == Select::kMaxout && g == nullptr;
  at::Tensor out = shrinks ? at::empty(reduced, xc.options()) : empty_like(xc);
  if (x.numel() > 0) {
    int64_t inner = 1;
    for (int64_t k = d + 1; k < x.dim(); ++k) inner *= x.size(k);
    const int64_t groups = x.numel() / (size * inner);
    on_dtype(x.scalar_type(), [&](auto tag) {
      using T = decltype(tag);
      const T* gp = g ? gc.const_data_ptr<T>() : nullptr;
      if (g == nullptr) {
        select_groups<M, false, T>(xc.const_data_ptr<T>(), gp, out.mutable_data_ptr<T>(), groups, inner, size);
      } else {
        select_groups<M, true, T>(xc.const_data_ptr<T>(), gp, out.mutable_data_ptr<T>(), groups, inner, size);
      }
    });
  }
  return laid_like(out, x);
}

// ---- k-WTA ------------------------------------------------------------------------------------
template <class C>
using Key = std::conditional_t<sizeof(C) == 8, uint64_t, uint32_t>;

// above()'s order as unsigned integers: every NaN the largest key, -0 the key of +0
template <class C>
ACTLAB_INLINE Key<C> key(C v) {
  using K = Key<C>;
  constexpr K sign = K(1) << (8 * sizeof(K) - 1);
  if (std::isnan(v)) return ~K(0);
  K u;
  const C w = v == 0 ? C(0) : v;
  std::memcpy(&u, &w, sizeof u);
  return (u & sign) ? ~u : (u | sign);
}

// Entries of keys[0, n) at or above t (a loop the compiler vectorizes)
template <class K>
int64_t count_from(const K* keys, int64_t n, K t) {
  int64_t c = 0;
  for (int64_t i = 0; i < n; ++i) c += keys[i] >= t;
  return c;
}

// One row: out = src where x passes, 0 elsewhere; keys: n scratch entries. The threshold key t is
// built a bit at a time from the top: a bit stays set while at least k keys are at or above t;
// as soon as exactly k are, {key >= t} is the set. Else t ends as the k-th largest key with more
// than k keys at or above it: ties straddle the k-th place
template <class T>
void kwta_row(const T* x, const T* src, T* out, int64_t n, int64_t k, Key<Compute<T>>* keys) {
  using K = Key<Compute<T>>;
  if (k >= n) {
    std::copy(src, src + n, out);
    return;
  }
  for (int64_t i = 0; i < n; ++i) keys[i] = key(static_cast<Compute<T>>(x[i]));
  K t = 0;
  bool exact = false;
  for (int b = 8 * sizeof(K) - 1; b >= 0 && !exact; --b) {
    const K c = t | (K(1) << b);
    const int64_t above = count_from(keys, n, c);
    if (above >= k) t = c, exact = above == k;
  }
  if (exact) {
    for (int64_t i = 0; i < n; ++i) out[i] = keys[i] >= t ? src[i] : T(0);
    return;
  }
  // ties straddle the k-th place: the entries topk returns
  const at::Tensor row = at::from_blob(const_cast<T*>(x), {n}, at::TensorOptions().dtype(c10::CppTypeToScalarType<T>::value));
  const at::Tensor idx = std::get<1>(at::topk(row, k, 0, true, true));
  const int64_t* ip = idx.const_data_ptr<int64_t>();
  std::fill(out, out + n, T(0));
  for (int64_t j = 0; j < k; ++j) out[ip[j]] = src[ip[j]];
}

at::Tensor kwta_op(const at::Tensor& x, const at::Tensor* g, int64_t dim, double ratio) {
  TORCH_CHECK(std::isfinite(ratio), "kwta: ratio must be finite, got ", ratio);
  const int64_t d = axis("kwta", x, dim), n = x.size(d);
  const int64_t k = std::max<int64_t>(1, static_cast<int64_t>(ratio * static_cast<double>(n)));
  TORCH_CHECK(k <= n, "kwta: selected index k out of range (k = ", k, ", the size of dim ", d, " is ", n, ")");
  const at::ScalarType st = x.scalar_type();
  const at::Tensor xr = x.movedim(d, -1).contiguous();  // rows along dim
  at::Tensor gr;
  if (g != nullptr) {
    TORCH_CHECK(g->sizes() == x.sizes(), "actlab: grad and saved input differ in shape");
    gr = g->to(st).movedim(d, -1).contiguous();
  }
  at::Tensor out = empty_like(xr);
  if (x.numel() > 0) {
    on_dtype(st, [&](auto tag) {
      using T = decltype(tag);
      const T* xp = xr.const_data_ptr<T>();
      const T* sp = g ? gr.const_data_ptr<T>() : xp;
      T* op = out.mutable_data_ptr<T>();
      at::parallel_for(0, x.numel() / n, std::max<int64_t>(1, kGrain / n), [&](int64_t b, int64_t e) {
        std::vector<Key<Compute<T>>> keys(n);
        for (int64_t r = b; r < e; ++r) kwta_row(xp + r * n, sp + r * n, op + r * n, n, k, keys.data());
      });
    });
  }
  return laid_like(out.movedim(-1, d).contiguous(), x);
}

// ---- CReLU ------------------------------------------------------------------------------------
template <class T>
void crelu_span(const T* x, T* lo, T* hi, int64_t n) {  // lo = max(0, x), hi = max(0, -x)
  int64_t i = 0;
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    using V = Vectorized<T>;
    for (; i + V::size() <= n; i += V::size()) {
      const V v = V::loadu(x + i), z = zero<V>();
      sel(v < z, z, v).store(lo + i);
      sel(v > z, z, v.neg()).store(hi + i);
    }
  }
  for (; i < n; ++i) {
    const Compute<T> v = static_cast<Compute<T>>(x[i]);
    lo[i] = static_cast<T>(v < 0 ? Compute<T>(0) : v);
    hi[i] = static_cast<T>(v > 0 ? Compute<T>(0) : -v);
  }
}

template <class T>
void crelu_grad_span(const T* x, const T* g1, const T* g2, T* out, int64_t n) {
  int64_t i = 0;
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    using V = Vectorized<T>;
    for (; i + V::size() <= n; i += V::size()) {
      const V v = V::loadu(x + i), z = zero<V>();
      (sel(v > z, V::loadu(g1 + i), z) - sel(v < z, V::loadu(g2 + i), z)).store(out + i);
    }
  }
  for (; i < n; ++i) {
    using C = Compute<T>;
    const C v = static_cast<C>(x[i]);
    out[i] = static_cast<T>((v > 0 ? static_cast<C>(g1[i]) : C(0)) - (v < 0 ? static_cast<C>(g2[i]) : C(0)));
  }
}

// x (and g: the forward's output shape) along dim; y or J^T g in x's layout
at::Tensor crelu_op(const at::Tensor& x, const at::Tensor* g, int64_t dim) {
  const int64_t d = axis("crelu", x, dim);
  std::vector<int64_t> doubled = x.sizes().vec();
  doubled[d] *= 2;
  const at::Tensor xc = x.contiguous();
  at::Tensor gc;
  if (g != nullptr) {
    TORCH_CHECK(g->sizes() == at::IntArrayRef(doubled), "actlab: grad and output differ in shape");
    gc = g->to(x.scalar_type()).contiguous();
  }
  at::Tensor out = g == nullptr ? at::empty(doubled, xc.options()) : empty_like(xc);
  int64_t m = 1;  // entries of one block: x.size(d) * inner
  for (int64_t k = d; k < x.dim(); ++k) m *= x.size(k);
  if (x.numel() > 0) {
    on_dtype(x.scalar_type(), [&](auto tag) {
      using T = decltype(tag);
      const T* xp = xc.const_data_ptr<T>();
      const T* gp = g ? gc.const_data_ptr<T>() : nullptr;
      T* op = out.mutable_data_ptr<T>();
      at::parallel_for(0, x.numel(), kGrain, [&](int64_t b, int64_t e) {
        while (b < e) {  // the part of block o in [b, e)
          const int64_t o = b / m, k = b - o * m, len = std::min(e - b, m - k);
          if (g == nullptr) {
            crelu_span(xp + b, op + 2 * o * m + k, op + 2 * o * m + m + k, len);
          } else {
            crelu_grad_span(xp + b, gp + 2 * o * m + k, gp + 2 * o * m + m + k, op + b, len);
          }
          b += len;
        }
      });
    });
  }
  return laid_like(out, x);
}

}  // namespace

at::Tensor maxout(const at::Tensor& x, int64_t dim, int64_t pieces) {
  return grouped<Select::kMaxout>("maxout", x, nullptr, dim, pieces);
}
at::Tensor maxout_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim, int64_t pieces) {
  return grouped<Select::kMaxout>("maxout", x, &g, dim, pieces);
}
at::Tensor lwta(const at::Tensor& x, int64_t dim, int64_t group_size) {
  return grouped<Select::kLwta>("lwta", x, nullptr, dim, group_size);
}
at::Tensor lwta_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim, int64_t group_size) {
  return grouped<Select::kLwta>("lwta", x, &g, dim, group_size);
}
at::Tensor kwta(const at::Tensor& x, int64_t dim, double ratio) { return kwta_op(x, nullptr, dim, ratio); }
at::Tensor kwta_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim, double ratio) {
  return kwta_op(x, &g, dim, ratio);
}
at::Tensor crelu(const at::Tensor& x, int64_t dim) { return crelu_op(x, nullptr, dim); }
at::Tensor crelu_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim) { return crelu_op(x, &g, dim); }

}  // namespace actlab
