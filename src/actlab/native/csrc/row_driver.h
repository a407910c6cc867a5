// The driver of the row kernels (sparse.cpp: Sparsemax, 1.5-entmax; entmax_bisect.cpp: alpha-entmax):
// a tensor's rows along dim as a contiguous (rows, n) view, threads over rows, bfloat16/half rows
// computed in float32 buffers and rounded once, and the vector loop over a row with its partial tail.
#pragma once

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <c10/core/WrapDimMinimal.h>

#include <algorithm>
#include <array>
#include <type_traits>
#include <vector>

#include "loop.h"
#include "rows.h"

namespace actlab {

// fn(i, k): k lanes from i, over a row of n (the last vector partial)
template <class S, class Fn>
ACTLAB_INLINE void vectors(int64_t n, Fn fn) {
  constexpr int64_t W = Vectorized<S>::size();
  int64_t i = 0;
  for (; i + W <= n; i += W) fn(i, W);
  if (i < n) fn(i, n - i);
}

// row(in, out, n, scratch, r) on the rows r of a (rows, n) contiguous view, in the compute type S
// (float for float/bfloat16/half, double), threads over rows; scratch holds Scratch * n entries of S.
// bfloat16/half rows are converted into float buffers and rounded once on the way out.
template <class T, int NIn, int NOut, int Scratch = 1, class RowFn>
void over_rows(int64_t rows, int64_t n, std::array<const T*, NIn> in, std::array<T*, NOut> out, RowFn row) {
  using S = std::conditional_t<std::is_same_v<T, double>, double, float>;
  constexpr bool direct = std::is_same_v<T, S>;
  constexpr int kBuffers = direct ? 0 : NIn + NOut;
  at::parallel_for(0, rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
    std::vector<S> buf((kBuffers + Scratch) * n);
    S* scratch = buf.data() + kBuffers * n;
    for (int64_t r = b; r < e; ++r) {
      std::array<const S*, NIn> ins;
      std::array<S*, NOut> outs;
      for (int j = 0; j < NIn; ++j) {
        if constexpr (direct) {
          ins[j] = in[j] + r * n;
        } else {
          at::vec::convert(in[j] + r * n, buf.data() + j * n, n);
          ins[j] = buf.data() + j * n;
        }
      }
      for (int j = 0; j < NOut; ++j) {
        if constexpr (direct) {
          outs[j] = out[j] + r * n;
        } else {
          outs[j] = buf.data() + (NIn + j) * n;
        }
      }
      row(ins, outs, n, scratch, r);
      if constexpr (!direct) {
        for (int j = 0; j < NOut; ++j) at::vec::convert(outs[j], out[j] + r * n, n);  // rounds once
      }
    }
  });
}

// The rows of t along dim: a contiguous tensor with dim moved last (no copy when it already is)
inline at::Tensor as_rows(const at::Tensor& t, int64_t dim, at::ScalarType st) {
  return t.to(st).movedim(dim, -1).contiguous();
}

// rows computed by as_rows back along dim, in like's layout
inline at::Tensor from_rows(const at::Tensor& r, const at::Tensor& like, int64_t dim) {
  at::Tensor v = r.movedim(-1, dim);
  if (like.is_contiguous() && v.is_contiguous()) return v;
  at::Tensor out = empty_like(like, r.scalar_type());
  out.copy_(v);
  return out;
}

// The rows of the tensors ts (one shape, computed in ts[0]'s dtype) along dim through row(in, out,
// n, scratch, r), r the row's index in the order of as_rows (a 0-d input: one row of one entry);
// NOut outputs, each in the layout and dtype of likes[j]
template <int NIn, int NOut, int Scratch = 1, class RowFn>
std::array<at::Tensor, NOut> rows_op(std::array<const at::Tensor*, NIn> ts, std::array<const at::Tensor*, NOut> likes,
                                     int64_t dim, RowFn row) {
  const at::Tensor& x = *ts[0];
  for (const at::Tensor* t : ts) TORCH_CHECK(t->sizes() == x.sizes(), "actlab: the inputs differ in shape");
  std::array<at::Tensor, NOut> outs;
  if (x.numel() == 0) {
    for (int j = 0; j < NOut; ++j) outs[j] = empty_like(*likes[j]);
    return outs;
  }
  if (x.dim() == 0) {  // one row of one entry
    std::array<at::Tensor, NIn> flat;
    std::array<const at::Tensor*, NIn> fp;
    for (int j = 0; j < NIn; ++j) flat[j] = ts[j]->reshape({1}), fp[j] = &flat[j];
    outs = rows_op<NIn, NOut, Scratch>(fp, likes, 0, row);
    for (at::Tensor& o : outs) o = o.reshape({});
    return outs;
  }
  dim = c10::maybe_wrap_dim(dim, x.dim());
  const at::ScalarType st = x.scalar_type();
  std::array<at::Tensor, NIn> rows;
  for (int j = 0; j < NIn; ++j) rows[j] = as_rows(*ts[j], dim, st);
  std::array<at::Tensor, NOut> results;
  for (int j = 0; j < NOut; ++j) results[j] = empty_like(rows[0]);
  const int64_t n = rows[0].size(-1);
  on_dtype(st, [&](auto tag) {
    using T = decltype(tag);
    std::array<const T*, NIn> in;
    std::array<T*, NOut> out;
    for (int j = 0; j < NIn; ++j) in[j] = rows[j].template const_data_ptr<T>();
    for (int j = 0; j < NOut; ++j) out[j] = results[j].template mutable_data_ptr<T>();
    over_rows<T, NIn, NOut, Scratch>(x.numel() / n, n, in, out, row);
  });
  for (int j = 0; j < NOut; ++j) {
    const at::ScalarType want = likes[j]->scalar_type();
    at::Tensor r = results[j].scalar_type() == want ? results[j] : results[j].to(want);
    outs[j] = from_rows(r, *likes[j], dim);
  }
  return outs;
}

}  // namespace actlab
