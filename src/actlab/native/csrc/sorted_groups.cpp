// GroupSort and MaxMin (activations/grouped.py) along any dim: each group of `size` consecutive
// entries along dim sorted as torch's stable sort orders them, ascending (GroupSort) or descending
// (MaxMin: pairs), NaN above everything, equal entries in their input order. The forward moves
// entries (no arithmetic: every dtype as stored, the same bits as the declaration); the backward
// recomputes each group's permutation from x and sends g back through it: gx[perm[t]] = g[t].
//
// The tensor is seen as (outer, n, inner): a group is `size` entries `inner` apart, and group q
// starts at q * size * inner. Threads take whole groups and run over their inner positions (unit
// stride); pairs by one comparison, larger groups by insertion with their indices (std::stable_sort
// beyond kInsertion entries).
#include "sorted_groups.h"

#include <ATen/Parallel.h>
#include <c10/core/WrapDimMinimal.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels.h"
#include "loop.h"

namespace actlab {
namespace {

constexpr int64_t kInsertion = 16;

// Whether a goes before b: a < b ascending, a > b descending, NaN above every number
template <bool Descending, class T>
ACTLAB_INLINE bool before(T a, T b) {
  using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
  const C x = static_cast<C>(a), y = static_cast<C>(b);
  if constexpr (Descending) {
    return y < x || (std::isnan(x) && !std::isnan(y));
  } else {
    return x < y || (!std::isnan(x) && std::isnan(y));
  }
}

// Sorts v[0, s) stably, carrying the input positions in idx
template <bool Descending, class T>
void sort_group(T* v, int64_t* idx, int64_t s) {
  std::iota(idx, idx + s, int64_t{0});
  if (s > kInsertion) {
    std::vector<T> w(v, v + s);
    std::stable_sort(idx, idx + s, [&](int64_t a, int64_t b) { return before<Descending>(w[a], w[b]); });
    for (int64_t t = 0; t < s; ++t) v[t] = w[idx[t]];
    return;
  }
  for (int64_t t = 1; t < s; ++t) {
    const T key = v[t];
    int64_t u = t;
    for (; u > 0 && before<Descending>(key, v[u - 1]); --u) {
      v[u] = v[u - 1];
      idx[u] = idx[u - 1];
    }
    v[u] = key;
    idx[u] = t;
  }
}

// Forward (g == nullptr: out = the sorted groups of x) or backward (out[perm[t]] = g[t])
template <bool Descending, class T>
void sort_groups(const T* x, const T* g, T* out, int64_t groups, int64_t inner, int64_t size) {
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(size * inner, 1));
  at::parallel_for(0, groups, grain, [&](int64_t b, int64_t e) {
    std::vector<T> v(size);
    std::vector<int64_t> idx(size);
    for (int64_t q = b; q < e; ++q) {
      const int64_t base = q * size * inner;
      const T *x0 = x + base, *x1 = x0 + inner;
      T *o0 = out + base, *o1 = o0 + inner;
      if (size == 2) {  // one comparison a pair
        if (g == nullptr) {
          for (int64_t i = 0; i < inner; ++i) {
            const T a = x0[i], c = x1[i];
            const bool swap = before<Descending>(c, a);
            o0[i] = swap ? c : a;
            o1[i] = swap ? a : c;
          }
        } else {
          const T *g0 = g + base, *g1 = g0 + inner;
          for (int64_t i = 0; i < inner; ++i) {
            const bool swap = before<Descending>(x1[i], x0[i]);
            const T a = g0[i], c = g1[i];
            o0[i] = swap ? c : a;
            o1[i] = swap ? a : c;
          }
        }
        continue;
      }
      for (int64_t i = 0; i < inner; ++i) {
        for (int64_t t = 0; t < size; ++t) v[t] = x0[i + t * inner];
        sort_group<Descending>(v.data(), idx.data(), size);
        for (int64_t t = 0; t < size; ++t) {
          if (g == nullptr) {
            o0[i + t * inner] = v[t];
          } else {
            o0[i + idx[t] * inner] = g[base + i + t * inner];
          }
        }
      }
    }
  });
}

// The op: x (and g for the backward) grouped along dim; the errors the declarations raise
template <bool Descending>
at::Tensor run(const char* name, const at::Tensor& x, const at::Tensor* g, int64_t dim, int64_t size) {
  TORCH_CHECK(at::isFloatingType(x.scalar_type()), "actlab: expected a floating-point tensor, got ", x.scalar_type());
  TORCH_CHECK(size >= 1, name, ": group_size must be >= 1, got ", size);
  if (x.dim() == 0) raise_shape_error(std::string(name) + ": expected an input with at least one dimension, got a scalar");
  const int64_t d = c10::maybe_wrap_dim(dim, x.dim()), n = x.size(d);
  if (n % size != 0) {
    raise_shape_error(std::string(name) + ": the size of dim " + std::to_string(d) + " (" + std::to_string(n) +
                      ") is not a multiple of the group size " + std::to_string(size));
  }
  const at::Tensor xc = x.contiguous();
  at::Tensor gc;
  if (g != nullptr) {
    TORCH_CHECK(g->sizes() == x.sizes(), "actlab: grad and saved input differ in shape");
    gc = g->to(x.scalar_type()).contiguous();
  }
  at::Tensor out = empty_like(xc);
  if (x.numel() > 0) {
    int64_t inner = 1;
    for (int64_t k = d + 1; k < x.dim(); ++k) inner *= x.size(k);
    const int64_t groups = x.numel() / (size * inner);
    auto body = [&](auto tag) {
      using T = decltype(tag);
      sort_groups<Descending, T>(xc.const_data_ptr<T>(), g ? gc.const_data_ptr<T>() : nullptr,
                                 out.mutable_data_ptr<T>(), groups, inner, size);
    };
    switch (x.scalar_type()) {
      case at::kDouble:
        body(double{});
        break;
      case at::kBFloat16:
        body(c10::BFloat16{});
        break;
      case at::kHalf:
        body(c10::Half{});
        break;
      default:
        body(float{});
    }
  }
  if (x.is_contiguous()) return out;
  at::Tensor laid = empty_like(x);  // the input's layout, as the declarations' `like`
  laid.copy_(out);
  return laid;
}

}  // namespace

at::Tensor group_sort(const at::Tensor& x, int64_t dim, int64_t group_size) {
  return run<false>("group_sort", x, nullptr, dim, group_size);
}
at::Tensor group_sort_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim, int64_t group_size) {
  return run<false>("group_sort", x, &g, dim, group_size);
}
at::Tensor max_min(const at::Tensor& x, int64_t dim) { return run<true>("max_min", x, nullptr, dim, 2); }
at::Tensor max_min_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim) {
  return run<true>("max_min", x, &g, dim, 2);
}

}  // namespace actlab
