// SoLU (activations/normalizer.py) along any dim: y = x sigma with sigma = softmax(x) from the
// softmax kernel (normalizer.cpp), and J^T g = g sigma + softmax's J^T (g x_s) (its backward
// kernel), x_s = x where sigma > 0 and x is finite, 0 elsewhere (the limits at -inf and +inf), as
// the declaration composes them; the elementwise steps are ATen's. bfloat16/half are computed in
// float32 and rounded once (the declaration's upcast); results in x's layout.
#include "softmax_maps.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/isfinite.h>
#include <ATen/ops/logical_and.h>
#include <ATen/ops/where.h>

#include "kernels.h"
#include "loop.h"

namespace actlab {
namespace {

at::Tensor upcast(const at::Tensor& t) {
  TORCH_CHECK(at::isFloatingType(t.scalar_type()), "actlab: expected a floating-point tensor, got ", t.scalar_type());
  const at::ScalarType st = t.scalar_type();
  return st == at::kDouble || st == at::kFloat ? t : t.to(at::kFloat);
}

// r (of x's shape, maybe a row view of a scalar) in x's dtype and layout
at::Tensor like(const at::Tensor& r, const at::Tensor& x) {
  at::Tensor v = r.reshape(x.sizes());
  if (v.scalar_type() == x.scalar_type() && v.strides() == x.strides()) return v;
  at::Tensor out = actlab::empty_like(x);
  out.copy_(v);
  return out;
}

}  // namespace

at::Tensor solu(const at::Tensor& x, int64_t dim) {
  at::Tensor xf = upcast(x);
  if (x.numel() == 0) return x.clone();
  if (x.dim() == 0) xf = xf.reshape({1});
  const at::Tensor sig = actlab::softmax(xf, dim);
  return like(at::where(sig > 0, xf, 0) * sig, x);
}

at::Tensor solu_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim) {
  TORCH_CHECK(g.sizes() == x.sizes(), "actlab: grad and saved input differ in shape");
  at::Tensor xf = upcast(x), gf = upcast(g).to(xf.scalar_type());
  if (x.numel() == 0) return actlab::empty_like(x);
  if (x.dim() == 0) xf = xf.reshape({1}), gf = gf.reshape({1});
  const at::Tensor sig = actlab::softmax(xf, dim);
  const at::Tensor xs = at::where(at::logical_and(sig > 0, at::isfinite(xf)), xf, 0);
  return like(gf * sig + actlab::softmax_backward(gf * xs, sig, dim), x);
}

}  // namespace actlab
