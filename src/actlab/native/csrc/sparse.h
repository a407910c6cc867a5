// The row kernels of the sparse maps (sparse.cpp): Sparsemax and 1.5-entmax along dim, with top-k's
// k accepted (the result does not depend on it); register.cpp registers them.
#pragma once

#include <ATen/core/Tensor.h>

#include <optional>
#include <tuple>

namespace actlab {

at::Tensor sparsemax(const at::Tensor& x, int64_t dim, std::optional<int64_t> k);
at::Tensor entmax15(const at::Tensor& x, int64_t dim, std::optional<int64_t> k);
at::Tensor sparsemax_backward(const at::Tensor& g, const at::Tensor& y, int64_t dim, std::optional<int64_t> k);
at::Tensor entmax15_backward(const at::Tensor& g, const at::Tensor& y, int64_t dim, std::optional<int64_t> k);
std::tuple<at::Tensor, at::Tensor> sparsemax_double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                             const at::Tensor& y, int64_t dim,
                                                             std::optional<int64_t> k);
std::tuple<at::Tensor, at::Tensor> entmax15_double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                            const at::Tensor& y, int64_t dim,
                                                            std::optional<int64_t> k);

}  // namespace actlab
